//! The bodies of the fuzz targets in `fuzz/` (run by `cargo fuzz` from
//! `./scripts/faults.sh`), kept here so that `tests/tests/fuzz_corpora.rs` replays every
//! committed corpus input and every crash ever found through the same code in the
//! ordinary test run, on the stable toolchain.
//!
//! The HTTP targets send the input as a request body to the real router of a seeded demo
//! office, in process, and fail on any 5xx: a client's bytes must get a 4xx with
//! `{code, message}`, never a server error or a panic. The others feed the input to the
//! decoder a device or the server runs on bytes from outside.

// A harness whose set-up fails must stop loudly, as a test would.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;

/// A seeded demo office and a technician's device token, made once per process.
struct Office {
    runtime: tokio::runtime::Runtime,
    app: Router,
    token: String,
    _data: tempfile::TempDir,
}

fn office() -> &'static Office {
    static OFFICE: OnceLock<Office> = OnceLock::new();
    OFFICE.get_or_init(|| {
        let data = tempfile::tempdir().expect("a data folder");
        let db = onsite_server::db::open(data.path()).expect("the server database");
        db.transaction(|tx| onsite_server::seed::seed(tx, chrono::Utc::now()))
            .expect("the demo office");
        let app = onsite_server::http::router(onsite_server::http::AppState::new(db));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let login = serde_json::json!({
            "login": "tech",
            "password": onsite_server::seed::DEMO_PASSWORD,
            "device_id": "6c1f0d4e-4c9a-4a77-9d1a-0f5e8c4b2a11",
            "device_name": "fuzzer",
        });
        let (status, body) = runtime.block_on(send(
            &app,
            "/v1/auth/login",
            None,
            login.to_string().into_bytes(),
        ));
        assert_eq!(status, StatusCode::OK, "the fuzzer signs in: {body}");
        let token = serde_json::from_str::<serde_json::Value>(&body).expect("a login answer")
            ["token"]
            .as_str()
            .expect("a token")
            .to_string();
        Office {
            runtime,
            app,
            token,
            _data: data,
        }
    })
}

/// A request as it reaches the router from a loopback connection (the sign-in
/// throttle reads the peer's address), with the device token when given.
fn request(method: Method, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let peer = std::net::SocketAddr::from(([127, 0, 0, 1], 40_000));
    let request = Request::builder()
        .method(method)
        .uri(path)
        .extension(axum::extract::ConnectInfo(peer));
    match token {
        Some(token) => request.header(header::AUTHORIZATION, format!("Bearer {token}")),
        None => request,
    }
}

async fn send(
    app: &Router,
    path: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let request =
        request(Method::POST, path, token).header(header::CONTENT_TYPE, "application/json");
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body)).expect("a request"))
        .await
        .expect("the router answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// POSTs `body` to `path` as the fuzzer's device and fails on a server error.
fn post_as_device(path: &str, body: &[u8]) {
    let office = office();
    let (status, answer) =
        office
            .runtime
            .block_on(send(&office.app, path, Some(&office.token), body.to_vec()));
    assert!(
        !status.is_server_error(),
        "{path} answered {status} to a client's bytes: {answer}"
    );
}

/// A sync request body, as a signed-in technician's device sends it.
pub fn sync_body(data: &[u8]) {
    post_as_device("/v1/sync", data);
}

/// A sign-in body.
pub fn login_body(data: &[u8]) {
    let office = office();
    let (status, answer) =
        office
            .runtime
            .block_on(send(&office.app, "/v1/auth/login", None, data.to_vec()));
    assert!(
        !status.is_server_error(),
        "login answered {status}: {answer}"
    );
}

/// The input as the bytes of one pushed order document: the server inspects them, then
/// merges them onto its copy (a new document here).
pub fn pushed_document(data: &[u8]) {
    use base64::Engine as _;
    let request = serde_json::json!({
        "cursor": null,
        "push": [{
            "doc_id": "00000000-0000-4000-8000-00000000f022",
            "kind": "order",
            "data": base64::engine::general_purpose::STANDARD.encode(data),
            "heads": [],
        }],
    });
    post_as_device("/v1/sync", request.to_string().as_bytes());
}

/// Signature strokes as the phone's pad hands them over, parsed and drawn.
pub fn signature_strokes(data: &[u8]) {
    if let Ok(strokes) = onsite_device::media::signature::Strokes::from_json(data) {
        let _ = strokes.render_png();
    }
}

/// A photo file as the technician picks it: checked whole, decoded, turned and scaled.
pub fn photo(data: &[u8]) {
    let _ = onsite_device::media::photo::process(data);
}

/// A blob upload chunk: the first 16 bytes pick the `Upload-Offset` and `Upload-Length`
/// headers (so offsets past, before and beyond the blob's end all occur), one more byte
/// the declared type, the rest is the chunk. The hash names one blob, so successive
/// inputs continue, restart and contradict the same upload.
pub fn blob_chunk(data: &[u8]) {
    let word = |at: usize| {
        let mut b = [0u8; 8];
        for (i, x) in data.iter().skip(at).take(8).enumerate() {
            b[i] = *x;
        }
        // Mostly within a few chunks, and now and then a huge number.
        let n = u64::from_le_bytes(b);
        if b[7] == 0xFF {
            n
        } else {
            n % 65_536
        }
    };
    let (offset, length) = (word(0), word(8));
    let media = ["image/jpeg", "image/png", "application/json", "image/heic"]
        [usize::from(data.get(16).copied().unwrap_or(0) % 4)];
    let chunk = data.get(17..).unwrap_or_default().to_vec();
    let office = office();
    let hash = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
    let request = request(
        Method::PATCH,
        &format!("/v1/blobs/{hash}"),
        Some(&office.token),
    )
    .header(header::CONTENT_TYPE, media)
    .header("upload-offset", offset.to_string())
    .header("upload-length", length.to_string())
    .body(Body::from(chunk))
    .expect("a request");
    let status = office.runtime.block_on(async {
        office
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers")
            .status()
    });
    assert!(
        !status.is_server_error(),
        "a blob chunk at {offset} of {length} ({media}) answered {status}"
    );
}
