//! `/v1/blobs/{hash}`: photos and signatures by SHA-256. `HEAD` says how much of a blob
//! the server holds, `PATCH` appends the next chunk of a resumable upload, `GET`
//! downloads (with `Range`). The storage rules are in `crate::blobs`; this file speaks
//! HTTP. See "Blobs" in `docs/sync-protocol.md`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::blobs::{self, BlobError, Chunk, Status, MAX_CHUNK_BYTES};
use crate::devices::Principal;
use crate::error::{ApiError, ErrorBody};

/// How many bytes of the blob the server holds (request: where this chunk goes).
pub const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
/// The blob's whole size in bytes.
pub const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");

/// The blob routes, with a body limit of one chunk so a larger body is refused before
/// it is buffered.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(head_blob, get_blob, patch_blob))
        .layer(DefaultBodyLimit::max(MAX_CHUNK_BYTES))
}

/// Runs file and database work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("blob task: {e}")))
}

/// A blob error as a response; the ones that tell the client where to resume carry the
/// server's offset in `upload-offset`.
fn blob_error(err: BlobError) -> Response {
    let offset = err.current_offset();
    let mut response = ApiError::from(err).into_response();
    if let Some(offset) = offset {
        response
            .headers_mut()
            .insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    }
    response
}

/// The hash from the path; a path that is not even text (bad percent-encoding) gets the
/// same JSON answer as any other bad hash.
fn path_hash(path: Result<Path<String>, PathRejection>) -> Result<String, Box<Response>> {
    path.map(|Path(hash)| hash)
        .map_err(|rejection| Box::new(blob_error(BlobError::BadHash(rejection.body_text()))))
}

fn bad_header(name: &HeaderName, what: &str) -> ApiError {
    ApiError::bad_request(
        "errors.blob.bad_header",
        format!("send {name}: {what}, as a decimal number of bytes"),
    )
}

fn header_u64(headers: &HeaderMap, name: &HeaderName, what: &str) -> Result<u64, ApiError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| bad_header(name, what))
}

/// How much of a blob the server holds.
#[utoipa::path(head, path = "/v1/blobs/{hash}", tag = "blobs", security(("device_token" = [])),
    params(("hash" = String, Path, description = "SHA-256 of the blob's bytes: 64 lower-case hex digits")),
    responses(
        (status = 200, description = "The blob is stored whole.",
            headers(("upload-offset" = u64, description = "Equal to upload-length."),
                    ("upload-length" = u64, description = "The blob's size in bytes."),
                    ("content-type" = String, description = "The blob's media type."))),
        (status = 404, description = "Not stored whole. Upload the rest from upload-offset.",
            headers(("upload-offset" = u64, description = "Bytes of an upload already held (0 if none)."),
                    ("upload-length" = u64, description = "The declared size, when an upload is under way."))),
        (status = 400, description = "not a SHA-256 hash"),
        (status = 401, description = "no valid device token")))]
pub async fn head_blob(
    State(state): State<AppState>,
    _who: Principal,
    hash: Result<Path<String>, PathRejection>,
) -> Response {
    let hash = match path_hash(hash) {
        Ok(hash) => hash,
        Err(response) => return *response,
    };
    let (store, db) = (state.blobs.clone(), state.db.clone());
    let status = match blocking(move || store.status(&db, &hash)).await {
        Ok(Ok(status)) => status,
        Ok(Err(err)) => return blob_error(err),
        Err(err) => return err.into_response(),
    };
    let mut headers = HeaderMap::new();
    let code = match status {
        Status::Complete { size, media_type } => {
            headers.insert(UPLOAD_OFFSET, size.into());
            headers.insert(UPLOAD_LENGTH, size.into());
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
            StatusCode::OK
        }
        Status::Partial { offset, length, .. } => {
            headers.insert(UPLOAD_OFFSET, offset.into());
            headers.insert(UPLOAD_LENGTH, length.into());
            StatusCode::NOT_FOUND
        }
        Status::Absent => {
            headers.insert(UPLOAD_OFFSET, 0u64.into());
            StatusCode::NOT_FOUND
        }
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (code, headers).into_response()
}

/// Appends the next chunk of a resumable upload. The chunk is durable on the server
/// before the answer; the last chunk is checked against the hash and the type.
#[utoipa::path(patch, path = "/v1/blobs/{hash}", tag = "blobs", security(("device_token" = [])),
    params(
        ("hash" = String, Path, description = "SHA-256 of the whole blob: 64 lower-case hex digits"),
        ("upload-offset" = u64, Header, description = "Where this chunk starts: the server's offset from HEAD or the last PATCH."),
        ("upload-length" = u64, Header, description = "The whole blob's size (at most 16 MiB)."),
        ("content-type" = String, Header, description = "The blob's type: image/jpeg, image/png, image/webp or application/json (signature strokes).")),
    request_body(description = "The next chunk of the blob, at most 1 MiB; the first one at least 16 bytes.",
        content(("image/jpeg"), ("image/png"), ("image/webp"), ("application/json"))),
    responses(
        (status = 204, description = "Stored. upload-offset is the new offset; equal to upload-length, the blob is complete.",
            headers(("upload-offset" = u64), ("upload-length" = u64))),
        (status = 400, description = "bad hash, missing header, chunk past the length", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "upload-offset is not where the upload stands (errors.blob.offset_mismatch), or the upload was begun with another length or type (errors.blob.upload_conflict); the upload-offset header says where to resume.",
            body = ErrorBody, headers(("upload-offset" = u64))),
        (status = 413, description = "blob over 16 MiB or chunk over 1 MiB", body = ErrorBody),
        (status = 415, description = "type not accepted, or the bytes are not of that type", body = ErrorBody),
        (status = 422, description = "the whole blob does not hash to {hash}, or is not valid signature strokes; the upload was discarded", body = ErrorBody)))]
pub async fn patch_blob(
    State(state): State<AppState>,
    who: Principal,
    hash: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let clock = state.clock.clone();
    let hash = match path_hash(hash) {
        Ok(hash) => hash,
        Err(response) => return *response,
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "errors.blob.chunk_too_large",
                format!("a chunk may be at most {MAX_CHUNK_BYTES} bytes"),
            )
            .into_response()
        }
        Err(rejection) => {
            return ApiError::new(
                rejection.status(),
                "errors.request.bad_body",
                rejection.body_text(),
            )
            .into_response()
        }
    };
    let offset = match header_u64(&headers, &UPLOAD_OFFSET, "where this chunk starts") {
        Ok(v) => v,
        Err(err) => return err.into_response(),
    };
    let length = match header_u64(&headers, &UPLOAD_LENGTH, "the whole blob's size") {
        Ok(v) => v,
        Err(err) => return err.into_response(),
    };
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (store, db) = (state.blobs.clone(), state.db.clone());
    let now_ms = clock.now().timestamp_millis();
    let sent = body.len() as u64;
    let result = blocking(move || {
        let chunk = Chunk {
            offset,
            length,
            media_type: &media_type,
            bytes: &body,
        };
        store.append(&db, &who, &hash, chunk, now_ms)
    })
    .await;
    match result {
        Ok(Ok(new_offset)) => {
            if new_offset == offset + sent {
                metrics::counter!("onsite_blob_bytes_in_total").increment(sent);
            }
            let mut headers = HeaderMap::new();
            headers.insert(UPLOAD_OFFSET, new_offset.into());
            headers.insert(UPLOAD_LENGTH, length.into());
            (StatusCode::NO_CONTENT, headers).into_response()
        }
        Ok(Err(err)) => blob_error(err),
        Err(err) => err.into_response(),
    }
}

/// A byte range of a blob, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteRange {
    start: u64,
    end: u64,
}

/// Parses a `Range` header against a blob of `size` bytes. `Ok(None)` is a range in a
/// unit other than bytes, which is ignored (the whole blob is sent); an `Err` is a bytes
/// range that cannot be served, answered with 416.
fn parse_range(value: &str, size: u64) -> Result<Option<ByteRange>, String> {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Err("only one range per request is served".into());
    }
    let (first, last) = spec
        .split_once('-')
        .ok_or_else(|| format!("{spec:?} is not a byte range"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("{spec:?} is not a byte range"))
    };
    let range = if first.trim().is_empty() {
        let suffix = number(last)?;
        if suffix == 0 || size == 0 {
            return Err(format!("bytes={spec} selects nothing of {size} bytes"));
        }
        ByteRange {
            start: size.saturating_sub(suffix),
            end: size - 1,
        }
    } else {
        let start = number(first)?;
        let end = if last.trim().is_empty() {
            size.saturating_sub(1)
        } else {
            number(last)?.min(size.saturating_sub(1))
        };
        if start >= size || end < start {
            return Err(format!("bytes={spec} is outside the blob's {size} bytes"));
        }
        ByteRange { start, end }
    };
    Ok(Some(range))
}

/// Downloads a blob, whole or one byte range. Office roles may download every blob; a
/// technician only those referenced by an order assigned to them.
#[utoipa::path(get, path = "/v1/blobs/{hash}", tag = "blobs", security(("device_token" = [])),
    params(
        ("hash" = String, Path, description = "SHA-256 of the blob: 64 lower-case hex digits"),
        ("range" = Option<String>, Header, description = "One byte range, e.g. bytes=1048576-2097151 or bytes=-500.")),
    responses(
        (status = 200, description = "The whole blob.",
            content(("image/jpeg"), ("image/png"), ("image/webp"), ("application/json"))),
        (status = 206, description = "The requested range; content-range says which bytes of how many.",
            content(("image/jpeg"), ("image/png"), ("image/webp"), ("application/json"))),
        (status = 400, description = "not a SHA-256 hash", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not referenced by an order this user may see", body = ErrorBody),
        (status = 404, description = "not stored whole (yet)", body = ErrorBody),
        (status = 416, description = "the range is outside the blob, or several ranges were asked", body = ErrorBody)))]
pub async fn get_blob(
    State(state): State<AppState>,
    who: Principal,
    hash: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let hash = match path_hash(hash) {
        Ok(hash) => hash,
        Err(response) => return *response,
    };
    if let Err(err) = blobs::check_hash(&hash) {
        return blob_error(err);
    }
    let range = headers
        .get(header::RANGE)
        .map(|v| v.to_str().unwrap_or_default().to_string());
    match blocking(move || download(&state, &who, &hash, range.as_deref())).await {
        Ok(Ok(response)) => response,
        Ok(Err(refusal)) => refusal.into_response(),
        Err(err) => err.into_response(),
    }
}

/// Why a download is not served.
enum Refusal {
    Api(ApiError),
    Blob(BlobError),
    /// A `Range` that cannot be served from a blob of `size` bytes.
    Range {
        message: String,
        size: u64,
    },
}

impl From<ApiError> for Refusal {
    fn from(err: ApiError) -> Self {
        Refusal::Api(err)
    }
}

impl From<BlobError> for Refusal {
    fn from(err: BlobError) -> Self {
        Refusal::Blob(err)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Api(err) => err.into_response(),
            Refusal::Blob(err) => blob_error(err),
            Refusal::Range { message, size } => {
                let mut response = ApiError::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "errors.blob.bad_range",
                    message,
                )
                .into_response();
                // RFC 9110: a 416 says how large the representation is.
                if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    response.headers_mut().insert(header::CONTENT_RANGE, value);
                }
                response
            }
        }
    }
}

#[tracing::instrument(skip(state, who), fields(user = %who.account.id))]
fn download(
    state: &AppState,
    who: &Principal,
    hash: &str,
    range: Option<&str>,
) -> Result<Response, Refusal> {
    let may = state.db.transaction(|tx| blobs::may_read(tx, who, hash))?;
    if !may {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "errors.blob.forbidden",
            format!("blob {hash} is not referenced by an order you may see"),
        )
        .into());
    }
    let size = state
        .blobs
        .size(hash)?
        .ok_or_else(|| BlobError::NotFound(hash.to_string()))?;
    let range = range
        .map(|r| parse_range(r, size))
        .transpose()
        .map_err(|message| Refusal::Range { message, size })?
        .flatten();
    let (start, end) = range.map_or((0, size.saturating_sub(1)), |r| (r.start, r.end));
    let bytes = state.blobs.read(hash, start, end + 1 - start)?;
    let head = if start == 0 {
        bytes.get(..blobs::SNIFF_BYTES).unwrap_or(&bytes).to_vec()
    } else {
        state.blobs.read(hash, 0, blobs::SNIFF_BYTES as u64)?
    };
    let media_type = blobs::sniff(&head).unwrap_or("application/octet-stream");
    metrics::counter!("onsite_blob_bytes_out_total").increment(bytes.len() as u64);

    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Content-addressed: the bytes behind a hash never change.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        headers.insert(header::ETAG, etag);
    }
    let status = if range.is_some() {
        if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            headers.insert(header::CONTENT_RANGE, value);
        }
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    Ok((status, headers, bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_parsed_against_the_blob_size() {
        let r = |start, end| Ok(Some(ByteRange { start, end }));
        assert_eq!(parse_range("bytes=0-99", 1000), r(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), r(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), r(900, 999));
        assert_eq!(
            parse_range("bytes=0-5000", 1000),
            r(0, 999),
            "an end past the blob is clipped"
        );
        assert_eq!(
            parse_range("items=0-1", 1000),
            Ok(None),
            "other units are ignored"
        );
        for bad in [
            "bytes=1000-",
            "bytes=5-2",
            "bytes=0-1,5-6",
            "bytes=x-",
            "bytes=-0",
            "bytes=7",
        ] {
            assert!(parse_range(bad, 1000).is_err(), "{bad} must be refused");
        }
    }
}
