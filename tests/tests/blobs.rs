//! Photos and signatures between real device stores and a real server: a technician's
//! photo and signature taken offline reach the office byte for byte, an upload cut
//! halfway resumes from the server's offset, a technician cannot fetch the blobs of
//! someone else's order, and bad blob requests get clear JSON errors.

use anyhow::Context as _;
use chrono::{Duration, Utc};
use onsite_core::{Actor, OrderId, OrderOp, Role, UserId};
use onsite_device::blob_sync::BlobReport;
use onsite_device::fixtures::Fixture;
use onsite_device::sync_client::{StoreAccess, SyncClient};
use onsite_device::Store;
use onsite_tests::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

const PASSWORD: &str = "correct horse";
const STROKES: &[u8] = br#"{"width": 300, "height": 120, "strokes": [[{"x": 10, "y": 60, "time": 0}, {"x": 150, "y": 20, "time": 40}, {"x": 290, "y": 90, "time": 80}]]}"#;

/// A server, an office desktop and Li's phone, both signed in.
struct World {
    server: TestServer,
    dir: tempfile::TempDir,
    fx: Fixture,
    office: Store,
    office_sync: SyncClient,
    phone: Store,
    phone_sync: SyncClient,
}

async fn world() -> anyhow::Result<World> {
    let server = TestServer::start().await?;
    let actor = |login: &str, role| -> anyhow::Result<Actor> {
        let account = server.add_user(login, login, role, PASSWORD)?;
        Ok(Actor {
            user: UserId(account.id.parse()?),
            role,
        })
    };
    let fx = Fixture {
        dispatcher: actor("wang.fang", Role::Dispatcher)?,
        technician: actor("li.wei", Role::Technician)?,
        ..Fixture::default()
    };
    actor("chen.jie", Role::Technician)?;
    let dir = tempfile::tempdir()?;
    let mut office = Store::open(&dir.path().join("office.db"))?;
    let (office_sync, _) =
        SyncClient::sign_in(&mut office, &server.url(""), "wang.fang", PASSWORD, "desk").await?;
    let mut phone = Store::open(&dir.path().join("phone.db"))?;
    let (phone_sync, _) =
        SyncClient::sign_in(&mut phone, &server.url(""), "li.wei", PASSWORD, "phone").await?;
    Ok(World {
        server,
        dir,
        fx,
        office,
        office_sync,
        phone,
        phone_sync,
    })
}

impl World {
    /// The office takes in order `i` and dispatches it to Li, whose phone syncs it.
    async fn dispatch(&mut self, i: u64) -> anyhow::Result<OrderId> {
        let start = start();
        let new = self.fx.new_order(i, start);
        let id = new.id;
        self.office
            .create_order(new, &self.fx.ctx(self.fx.dispatcher, start))?;
        let (actor, offset, dispatch) = self
            .fx
            .visit_ops(i, start, "unused")
            .into_iter()
            .next()
            .context("the visit starts with a dispatch")?;
        self.office
            .apply_order(id, &dispatch, &self.fx.ctx(actor, start + offset))?;
        self.office_sync.sync(&mut self.office).await?;
        self.phone_sync.sync(&mut self.phone).await?;
        Ok(id)
    }

    /// Li attaches a photo to the order, offline.
    fn attach(&mut self, id: OrderId, hash: &str) -> anyhow::Result<()> {
        let op = OrderOp::AddPhoto {
            hash: hash.to_string(),
            caption: "压缩机铭牌 / compressor plate".into(),
        };
        let now = start() + Duration::hours(26);
        self.phone
            .apply_order(id, &op, &self.fx.ctx(self.fx.technician, now))?;
        Ok(())
    }

    fn token(store: &Store) -> anyhow::Result<String> {
        onsite_device::token::load(store)?.context("signed in")
    }

    fn blob_url(&self, hash: &str) -> String {
        self.server.url(&format!("/v1/blobs/{hash}"))
    }
}

/// When the fixtures' visits start: far enough back that every step is in the past.
fn start() -> chrono::DateTime<Utc> {
    Utc::now() - Duration::hours(30)
}

/// A photo as a camera gives it: a smooth gradient, which compresses well.
fn camera_photo() -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(1200, 900, |x, y| {
        image::Rgb([(x / 5) as u8, (y / 4) as u8, ((x + y) / 9) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img)?;
    Ok(out)
}

/// A photo full of fine detail (noise), which stays well over 1 MiB after the device
/// re-encodes it, so it crosses the wire in more than one chunk.
fn detailed_photo() -> anyhow::Result<Vec<u8>> {
    let mut state = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(1600, 1200, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [r, g, b, _] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95).encode_image(&img)?;
    Ok(out)
}

fn header_u64(response: &reqwest::Response, name: &str) -> Option<u64> {
    response.headers().get(name)?.to_str().ok()?.parse().ok()
}

/// Sends a request and returns its status and JSON error code.
async fn error_of(request: reqwest::RequestBuilder) -> anyhow::Result<(StatusCode, String)> {
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await.context("an error body is JSON")?;
    let code = body["code"].as_str().unwrap_or_default().to_string();
    anyhow::ensure!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{status} {code}: the error has a message for people"
    );
    Ok((status, code))
}

#[tokio::test]
async fn a_photo_and_signature_taken_offline_reach_the_office_byte_for_byte() -> anyhow::Result<()>
{
    let mut w = world().await?;
    let id = w.dispatch(1).await?;

    // On site, offline: a photo, the visit, the customer's signature, the sign-off.
    let photo = w.phone.add_photo(&camera_photo()?)?;
    let signature = w.phone.add_signature(STROKES)?;
    w.attach(id, &photo.hash)?;
    let start = start();
    for (actor, offset, op) in
        w.fx.visit_ops(1, start, &signature.strokes)
            .into_iter()
            .skip(1)
    {
        w.phone
            .apply_order(id, &op, &w.fx.ctx(actor, start + offset))?;
    }
    assert_eq!(
        w.phone.blobs_to_upload()?.len(),
        4,
        "photo, thumbnail, strokes and PNG wait"
    );

    let report = w.phone_sync.sync(&mut w.phone).await?;
    assert_eq!(report.pushed, 1, "the visit went up");
    assert!(
        report.blobs.failed.is_empty(),
        "no blob failed: {:?}",
        report.blobs.failed
    );
    assert_eq!(
        report.blobs.uploaded, 3,
        "the photo, the signature strokes and their PNG; a thumbnail is made on each device"
    );
    let sizes: u64 = [&photo.hash, &signature.strokes, &signature.png]
        .iter()
        .map(|h| w.phone.read_blob(h).map(|b| b.len() as u64))
        .sum::<Result<_, _>>()?;
    assert_eq!(report.blobs.bytes_up, sizes, "each blob crossed once");
    assert!(
        w.phone.blobs_to_upload()?.is_empty(),
        "nothing left to send"
    );

    let report = w.office_sync.sync(&mut w.office).await?;
    assert_eq!(report.pulled, 1, "the office got the visit");
    assert_eq!(
        (report.blobs.downloaded, report.blobs.missing),
        (2, 0),
        "the photo and the signature came down"
    );
    let order = w.office.order(id)?;
    assert_eq!(order.photos[0].hash, photo.hash);
    let signed = order.sign_off.context("the order is signed off")?;
    assert_eq!(signed.signature_blob, signature.strokes);
    for hash in [&photo.hash, &signature.strokes, &signature.png] {
        assert_eq!(
            w.office.read_blob(hash)?,
            w.phone.read_blob(hash)?,
            "blob {hash} is identical on both devices"
        );
    }

    let report = w.office_sync.sync(&mut w.office).await?;
    assert_eq!(
        (report.requests, report.blobs),
        (1, BlobReport::default()),
        "with nothing new, blobs cost no request"
    );
    w.server.stop().await
}

#[tokio::test]
async fn an_upload_cut_halfway_resumes_from_the_servers_offset() -> anyhow::Result<()> {
    let mut w = world().await?;
    let id = w.dispatch(2).await?;
    let photo = w.phone.add_photo(&detailed_photo()?)?;
    w.attach(id, &photo.hash)?;
    let bytes = w.phone.read_blob(&photo.hash)?;
    let len = bytes.len();
    assert!(
        len > 1 << 20,
        "the photo needs several chunks ({len} bytes)"
    );

    // The phone got one chunk through before the signal went.
    let http = reqwest::Client::new();
    let token = World::token(&w.phone)?;
    let url = w.blob_url(&photo.hash);
    let sent = (len / 2).min(1 << 20);
    let response = http
        .patch(&url)
        .bearer_auth(&token)
        .header("upload-offset", 0)
        .header("upload-length", len)
        .header("content-type", "image/jpeg")
        .body(bytes[..sent].to_vec())
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(header_u64(&response, "upload-offset"), Some(sent as u64));
    let response = http.head(&url).bearer_auth(&token).send().await?;
    assert_eq!(
        (response.status(), header_u64(&response, "upload-offset")),
        (StatusCode::NOT_FOUND, Some(sent as u64)),
        "the server says how much it holds"
    );

    let report = w.phone_sync.sync(&mut w.phone).await?;
    assert!(report.blobs.failed.is_empty(), "{:?}", report.blobs.failed);
    assert_eq!(
        report.blobs.bytes_up,
        (len - sent) as u64,
        "only the missing part crossed the wire"
    );
    let response = http.head(&url).bearer_auth(&token).send().await?;
    assert_eq!(
        (response.status(), header_u64(&response, "upload-length")),
        (StatusCode::OK, Some(len as u64)),
        "the blob is complete"
    );

    let report = w.office_sync.sync(&mut w.office).await?;
    assert_eq!(report.blobs.downloaded, 1);
    assert_eq!(
        report.blobs.bytes_down, len as u64,
        "downloaded in ranges, each byte once"
    );
    assert_eq!(w.office.read_blob(&photo.hash)?, bytes, "identical bytes");
    w.server.stop().await
}

#[tokio::test]
async fn a_technician_cannot_download_a_blob_of_an_order_that_is_not_theirs() -> anyhow::Result<()>
{
    let mut w = world().await?;
    let id = w.dispatch(3).await?;
    let photo = w.phone.add_photo(&camera_photo()?)?;
    w.attach(id, &photo.hash)?;
    w.phone_sync.sync(&mut w.phone).await?;

    let mut chen = Store::open(&w.dir.path().join("chen.db"))?;
    let (chen_sync, _) =
        SyncClient::sign_in(&mut chen, &w.server.url(""), "chen.jie", PASSWORD, "chen").await?;
    let report = chen_sync.sync(&mut chen).await?;
    assert_eq!(
        (report.pulled, report.blobs.downloaded),
        (0, 0),
        "Li's order and photo stay off Chen's phone"
    );

    let http = reqwest::Client::new();
    let url = w.blob_url(&photo.hash);
    let (status, code) = error_of(http.get(&url).bearer_auth(World::token(&chen)?)).await?;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "errors.blob.forbidden"),
        "Chen may not fetch the photo of Li's order"
    );
    let own = http
        .get(&url)
        .bearer_auth(World::token(&w.phone)?)
        .send()
        .await?;
    assert_eq!(own.status(), StatusCode::OK, "Li may fetch his own");
    assert_eq!(own.bytes().await?, w.phone.read_blob(&photo.hash)?);
    let (status, code) = error_of(http.get(&url)).await?;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "errors.auth.unauthorized")
    );
    w.server.stop().await
}

#[tokio::test]
async fn bad_blob_requests_get_clear_json_errors() -> anyhow::Result<()> {
    let w = world().await?;
    let http = reqwest::Client::new();
    let token = World::token(&w.office)?;
    let jpeg = camera_photo()?;
    let hash = onsite_device::store::blobs::hash(&jpeg);
    let url = w.blob_url(&hash);
    let patch = |offset: usize, length: usize, media_type: &str, body: Vec<u8>| {
        http.patch(&url)
            .bearer_auth(&token)
            .header("upload-offset", offset)
            .header("upload-length", length)
            .header("content-type", media_type)
            .body(body)
    };
    let cases = [
        (
            http.patch(w.blob_url("not-a-hash"))
                .bearer_auth(&token)
                .header("upload-offset", 0)
                .header("upload-length", 4)
                .header("content-type", "image/jpeg")
                .body(vec![0xFF, 0xD8, 0xFF, 0xE0]),
            StatusCode::BAD_REQUEST,
            "errors.blob.bad_hash",
        ),
        (
            http.patch(&url)
                .bearer_auth(&token)
                .header("content-type", "image/jpeg")
                .body(jpeg[..100].to_vec()),
            StatusCode::BAD_REQUEST,
            "errors.blob.bad_header",
        ),
        (
            patch(0, jpeg.len(), "application/pdf", jpeg[..100].to_vec()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "errors.blob.unsupported_type",
        ),
        (
            patch(0, jpeg.len(), "image/png", jpeg[..100].to_vec()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "errors.blob.wrong_content",
        ),
        (
            patch(0, 17 << 20, "image/jpeg", jpeg[..100].to_vec()),
            StatusCode::PAYLOAD_TOO_LARGE,
            "errors.blob.too_large",
        ),
        (
            patch(500, jpeg.len(), "image/jpeg", jpeg[500..600].to_vec()),
            StatusCode::CONFLICT,
            "errors.blob.offset_mismatch",
        ),
        (
            patch(0, jpeg.len(), "image/jpeg", vec![0xFF; (1 << 20) + 1]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "errors.blob.chunk_too_large",
        ),
        (
            http.get(&url).bearer_auth(&token),
            StatusCode::NOT_FOUND,
            "errors.blob.not_found",
        ),
        (
            http.get(w.blob_url("%FF%FE")).bearer_auth(&token),
            StatusCode::BAD_REQUEST,
            "errors.blob.bad_hash",
        ),
    ];
    for (request, status, code) in cases {
        assert_eq!(
            error_of(request).await?,
            (status, code.to_string()),
            "{code}"
        );
    }

    // Once stored: a range outside the blob is refused, a suffix range is served.
    patch(0, jpeg.len(), "image/jpeg", jpeg.clone())
        .send()
        .await?;
    let response = http
        .get(&url)
        .bearer_auth(&token)
        .header("range", format!("bytes={}-", jpeg.len()))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let response = http
        .get(&url)
        .bearer_auth(&token)
        .header("range", "bytes=-10")
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        response.bytes().await?,
        jpeg[jpeg.len() - 10..],
        "the last ten bytes"
    );

    let metrics = reqwest::get(w.server.url("/metrics")).await?.text().await?;
    for counter in ["onsite_blob_bytes_in_total", "onsite_blob_bytes_out_total"] {
        assert!(metrics.contains(counter), "{counter} is exported");
    }
    w.server.stop().await
}

/// The office is woken by the phone's push and asks for the order's photo before the
/// phone has sent it (documents go first, blobs after). That miss must not keep the
/// photo away once the phone has sent it and the order moved on: the office asks again
/// when the order changes, not only after the miss's wait (30 s and doubling).
#[tokio::test]
async fn a_photo_the_office_asked_for_too_early_comes_down_once_the_order_changes(
) -> anyhow::Result<()> {
    let mut w = world().await?;
    let id = w.dispatch(1).await?;
    // The photo's hash as the phone will store it: processing a photo is deterministic.
    let bytes = camera_photo()?;
    let scratch = Store::open(&w.dir.path().join("scratch.db"))?;
    let hash = scratch.add_photo(&bytes)?.hash;

    // The order names the photo on the server before its bytes are there.
    w.attach(id, &hash)?;
    w.phone_sync.sync(&mut w.phone).await?;
    let report = w.office_sync.sync(&mut w.office).await?;
    assert_eq!(
        (report.blobs.downloaded, report.blobs.missing),
        (0, 1),
        "the server does not have the photo yet"
    );

    // The phone sends the photo, and the visit goes on.
    let photo = w.phone.add_photo(&bytes)?;
    assert_eq!(photo.hash, hash, "the same photo");
    let start = start();
    let (actor, offset, next) =
        w.fx.visit_ops(1, start, "unused")
            .into_iter()
            .nth(1)
            .context("the visit has a step after the dispatch")?;
    w.phone
        .apply_order(id, &next, &w.fx.ctx(actor, start + offset))?;
    let report = w.phone_sync.sync(&mut w.phone).await?;
    assert_eq!(report.blobs.uploaded, 1, "the photo went up");

    let report = w.office_sync.sync(&mut w.office).await?;
    assert_eq!(report.pulled, 1, "the office got the next step");
    assert_eq!(
        (report.blobs.downloaded, report.blobs.missing),
        (1, 0),
        "the changed order's photo is asked for again at once"
    );
    assert_eq!(w.office.read_blob(&hash)?, w.phone.read_blob(&hash)?);
    w.server.stop().await
}

/// A phone's store that notes, each time the sync reaches for it, whether the server has
/// by then acknowledged the phone's documents while still lacking one of `blobs`: the
/// moment a desk woken by that push would ask for a blob in vain.
struct Watched<'a> {
    store: &'a mut Store,
    blobs: Vec<std::path::PathBuf>,
    named_too_early: &'a std::cell::Cell<bool>,
}

impl StoreAccess for Watched<'_> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        let acknowledged = self.store.pending().is_ok_and(|p| p.is_empty());
        if acknowledged && self.blobs.iter().any(|b| !b.exists()) {
            self.named_too_early.set(true);
        }
        f(self.store)
    }
}

#[tokio::test]
async fn the_photo_and_signature_are_on_the_server_before_the_visit_that_names_them(
) -> anyhow::Result<()> {
    let mut w = world().await?;
    let id = w.dispatch(1).await?;
    let photo = w.phone.add_photo(&camera_photo()?)?;
    let signature = w.phone.add_signature(STROKES)?;
    w.attach(id, &photo.hash)?;
    let start = start();
    for (actor, offset, op) in
        w.fx.visit_ops(1, start, &signature.strokes)
            .into_iter()
            .skip(1)
    {
        w.phone
            .apply_order(id, &op, &w.fx.ctx(actor, start + offset))?;
    }

    let on_server = |hash: &str| {
        w.server
            .data
            .path()
            .join("blobs")
            .join(&hash[..2])
            .join(hash)
    };
    let blobs = vec![on_server(&photo.hash), on_server(&signature.strokes)];
    let named_too_early = std::cell::Cell::new(false);
    let watched = Watched {
        store: &mut w.phone,
        blobs: blobs.clone(),
        named_too_early: &named_too_early,
    };
    let report = w.phone_sync.sync(watched).await?;
    assert_eq!(report.pushed, 1, "the visit went up");
    assert!(blobs.iter().all(|b| b.exists()), "the blobs went up");
    assert!(
        !named_too_early.get(),
        "the server never held the visit without the photo and signature it names"
    );
    w.server.stop().await
}
