//! Blob sync: before the document round trip, sends the server every photo and signature
//! it lacks, in resumable chunks; after it, fetches the blobs that orders on this device
//! reference but the store does not hold (an office desktop viewing a technician's photos
//! and signature). The wire protocol is "Blobs" in `docs/sync-protocol.md`.
//!
//! The store is held only between requests (through [`StoreAccess`]), never across one.
//! A blob that fails is reported and tried again on the next sync; it never undoes the
//! document sync that came before it.

use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::StatusCode;

use crate::media::photo;
use crate::store::blobs::BlobMeta;
use crate::store::WantedBlob;
use crate::sync_client::{refused, StoreAccess, SyncClient, SyncError};
use crate::StoreError;

/// Bytes per upload chunk and per download range: the server's chunk limit. A chunk
/// lost to a cut connection costs at most this much to send again.
pub const CHUNK_BYTES: usize = 1024 * 1024;
/// The largest blob the server accepts; a download announcing more is refused.
pub const MAX_BLOB_BYTES: u64 = 16 * 1024 * 1024;
/// How many times in a row the server may move the offset under one upload (another
/// request for the same blob racing this one) before the blob waits for the next sync.
const MAX_OFFSET_CONFLICTS: usize = 3;

const UPLOAD_OFFSET: &str = "upload-offset";
const UPLOAD_LENGTH: &str = "upload-length";

/// What one blob sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BlobReport {
    /// Blobs the server now holds that this device had marked as not uploaded
    /// (including ones the server turned out to have already).
    pub uploaded: usize,
    /// Blobs fetched from the server and stored.
    pub downloaded: usize,
    /// Blob bytes sent (chunk bodies).
    pub bytes_up: u64,
    /// Blob bytes received (response bodies).
    pub bytes_down: u64,
    /// Referenced blobs the server does not have yet (or will not give this user); asked
    /// for again after a wait.
    pub missing: usize,
    /// Blobs that failed, with the error's i18n code: (hash, code). Empty hash: the
    /// whole phase stopped (for example, the connection dropped).
    pub failed: Vec<(String, String)>,
}

/// Why one blob did not go through.
#[derive(Debug, thiserror::Error)]
pub enum BlobSyncError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("photo {hash} still carries metadata (an APP1 segment); it is not sent")]
    Metadata { hash: String },
}

impl From<StoreError> for BlobSyncError {
    fn from(err: StoreError) -> Self {
        BlobSyncError::Sync(SyncError::Store(err))
    }
}

impl BlobSyncError {
    /// The i18n key the UI shows.
    pub fn code(&self) -> &str {
        match self {
            BlobSyncError::Sync(e) => e.code(),
            BlobSyncError::Metadata { .. } => "errors.sync.blob_metadata",
        }
    }

    fn is_offline(&self) -> bool {
        matches!(self, BlobSyncError::Sync(SyncError::Offline(_)))
    }
}

/// Uploads what the server lacks. Runs before the documents are pushed, so that a
/// device woken by that push finds every blob they name already on the server. Never
/// fails as a whole: every problem is in the report. `Err` only when the server could
/// not be reached (the documents would fail the same way).
#[tracing::instrument(skip_all)]
pub async fn upload(
    client: &SyncClient,
    store: &mut impl StoreAccess,
    report: &mut BlobReport,
) -> Result<(), SyncError> {
    match upload_all(client, store, report).await {
        Ok(()) => Ok(()),
        Err(BlobSyncError::Sync(err @ SyncError::Offline(_))) => Err(err),
        Err(err) => {
            stopped(report, &err);
            Ok(())
        }
    }
}

/// Downloads what this device lacks, after the documents that name it came in. Never
/// fails: every problem is in the report.
#[tracing::instrument(skip_all)]
pub async fn download(client: &SyncClient, store: &mut impl StoreAccess, report: &mut BlobReport) {
    if let Err(err) = download_all(client, store, report).await {
        stopped(report, &err);
    }
}

fn stopped(report: &mut BlobReport, err: &BlobSyncError) {
    tracing::warn!(%err, "blob sync stopped; the rest waits for the next sync");
    report.failed.push((String::new(), err.code().to_string()));
}

/// Sends every blob not yet uploaded. Stops at the first connection failure (the others
/// would fail the same way); any other failure skips just that blob.
async fn upload_all(
    client: &SyncClient,
    store: &mut impl StoreAccess,
    report: &mut BlobReport,
) -> Result<(), BlobSyncError> {
    let pending = store.with(|s| s.blobs_to_upload())?;
    for meta in pending {
        if meta.kind == "thumbnail" {
            // Every device makes its own thumbnails from the photo; nothing to send.
            store.with(|s| s.mark_blob_uploaded(&meta.hash))?;
            continue;
        }
        match upload_one(client, store, &meta, report).await {
            Ok(()) => report.uploaded += 1,
            Err(err) if err.is_offline() => return Err(err),
            Err(err) => {
                tracing::warn!(blob = %meta.hash, %err, "blob not uploaded");
                report
                    .failed
                    .push((meta.hash.clone(), err.code().to_string()));
            }
        }
    }
    Ok(())
}

fn header_u64(response: &reqwest::Response, name: &str) -> Option<u64> {
    response
        .headers()
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn protocol(hash: &str, detail: impl std::fmt::Display) -> BlobSyncError {
    BlobSyncError::Sync(SyncError::Protocol(format!("blob {hash}: {detail}")))
}

/// Sends one blob: asks how much the server holds (`HEAD`), then sends the rest in
/// chunks (`PATCH`), following the server's offset when it differs from ours.
#[tracing::instrument(skip_all, fields(blob = %meta.hash, size = meta.size))]
async fn upload_one(
    client: &SyncClient,
    store: &mut impl StoreAccess,
    meta: &BlobMeta,
    report: &mut BlobReport,
) -> Result<(), BlobSyncError> {
    let hash = meta.hash.as_str();
    let bytes = store.with(|s| s.read_blob(hash))?;
    if meta.media_type == "image/jpeg" && meta.kind == "photo" && photo::has_app1(&bytes) {
        // Photos are re-encoded without metadata; this is the last guard that no
        // position or camera data ever leaves the device.
        return Err(BlobSyncError::Metadata { hash: hash.into() });
    }
    let (http, base, token) = client.parts();
    let url = format!("{base}/v1/blobs/{hash}");
    let length = bytes.len() as u64;

    let response = http
        .head(&url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(SyncError::Offline)?;
    let mut offset = match response.status() {
        StatusCode::OK => {
            store.with(|s| s.mark_blob_uploaded(hash))?;
            return Ok(());
        }
        StatusCode::NOT_FOUND => header_u64(&response, UPLOAD_OFFSET).unwrap_or(0),
        _ => return Err(refused(response).await.into()),
    };
    let mut conflicts = 0;
    loop {
        if offset >= length {
            return Err(protocol(
                hash,
                format!("the server is at byte {offset} of {length}"),
            ));
        }
        let end = (offset as usize + CHUNK_BYTES).min(bytes.len());
        let chunk = bytes[offset as usize..end].to_vec();
        let sent = chunk.len() as u64;
        let response = http
            .patch(&url)
            .bearer_auth(token)
            .header(UPLOAD_OFFSET, offset)
            .header(UPLOAD_LENGTH, length)
            .header(CONTENT_TYPE, &meta.media_type)
            .body(chunk)
            .send()
            .await
            .map_err(SyncError::Offline)?;
        match response.status() {
            StatusCode::NO_CONTENT => {
                report.bytes_up += sent;
                let now = header_u64(&response, UPLOAD_OFFSET)
                    .ok_or_else(|| protocol(hash, "no upload-offset in the answer"))?;
                if now == length {
                    store.with(|s| s.mark_blob_uploaded(hash))?;
                    return Ok(());
                }
                if now <= offset {
                    return Err(protocol(hash, format!("no progress past byte {offset}")));
                }
                offset = now;
                conflicts = 0;
            }
            StatusCode::CONFLICT if conflicts < MAX_OFFSET_CONFLICTS => {
                // The server holds a different amount than we thought (an earlier
                // request whose answer was lost, or a cut mid-chunk): resume from there.
                match header_u64(&response, UPLOAD_OFFSET) {
                    Some(now) => offset = now,
                    None => return Err(refused(response).await.into()),
                }
                conflicts += 1;
            }
            _ => return Err(refused(response).await.into()),
        }
    }
}

/// Fetches every referenced blob the store lacks. Stops at the first connection failure.
async fn download_all(
    client: &SyncClient,
    store: &mut impl StoreAccess,
    report: &mut BlobReport,
) -> Result<(), BlobSyncError> {
    let wanted = store.with(|s| s.blobs_to_download())?;
    for blob in wanted {
        match download_one(client, store, &blob, report).await {
            Ok(true) => report.downloaded += 1,
            Ok(false) => {
                report.missing += 1;
                store.with(|s| s.blob_download_missed(&blob.hash))?;
            }
            Err(err) if err.is_offline() => return Err(err),
            Err(err) => {
                tracing::warn!(blob = %blob.hash, %err, "blob not downloaded");
                report
                    .failed
                    .push((blob.hash.clone(), err.code().to_string()));
                // Do not ask again at once for bytes that were wrong once.
                store.with(|s| s.blob_download_missed(&blob.hash))?;
            }
        }
    }
    Ok(())
}

/// Parses `bytes START-END/TOTAL`.
fn content_range(response: &reqwest::Response) -> Option<(u64, u64, u64)> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = value.strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    Some((start.parse().ok()?, end.parse().ok()?, total.parse().ok()?))
}

/// Fetches one blob in ranges of [`CHUNK_BYTES`] and stores it. `Ok(false)`: the server
/// does not have it (yet) or will not give it to this user.
#[tracing::instrument(skip_all, fields(blob = %blob.hash))]
async fn download_one(
    client: &SyncClient,
    store: &mut impl StoreAccess,
    blob: &WantedBlob,
    report: &mut BlobReport,
) -> Result<bool, BlobSyncError> {
    let hash = blob.hash.as_str();
    let (http, base, token) = client.parts();
    let url = format!("{base}/v1/blobs/{hash}");
    let mut bytes: Vec<u8> = Vec::new();
    let mut media_type = String::new();
    loop {
        let start = bytes.len() as u64;
        let response = http
            .get(&url)
            .bearer_auth(token)
            .header(
                RANGE,
                format!("bytes={start}-{}", start + CHUNK_BYTES as u64 - 1),
            )
            .send()
            .await
            .map_err(SyncError::Offline)?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN {
            tracing::info!(%status, "referenced blob not available from the server");
            return Ok(false);
        }
        if status != StatusCode::OK && status != StatusCode::PARTIAL_CONTENT {
            return Err(refused(response).await.into());
        }
        if media_type.is_empty() {
            media_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
        }
        let range = content_range(&response);
        let total = match (status, range) {
            (StatusCode::PARTIAL_CONTENT, Some((from, _, total))) if from == start => total,
            (StatusCode::PARTIAL_CONTENT, _) => {
                return Err(protocol(
                    hash,
                    "a range answer that is not the range asked for",
                ))
            }
            // The whole blob (a server that ignores ranges): start again from it.
            _ => {
                bytes.clear();
                u64::MAX
            }
        };
        if total != u64::MAX && total > MAX_BLOB_BYTES {
            return Err(protocol(hash, format!("{total} bytes is over the limit")));
        }
        let body = response.bytes().await.map_err(SyncError::Offline)?;
        report.bytes_down += body.len() as u64;
        if body.is_empty() && total != u64::MAX && (bytes.len() as u64) < total {
            return Err(protocol(hash, "an empty range before the end"));
        }
        bytes.extend_from_slice(&body);
        if bytes.len() as u64 > MAX_BLOB_BYTES {
            return Err(protocol(hash, "more bytes than a blob may have"));
        }
        if total == u64::MAX || bytes.len() as u64 >= total {
            break;
        }
    }
    store.with(|s| s.add_downloaded_blob(blob, &media_type, &bytes))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::BlobRole;

    #[test]
    fn a_failure_of_one_blob_has_the_code_the_ui_translates() {
        let err = BlobSyncError::Metadata { hash: "ab".into() };
        assert_eq!(err.code(), "errors.sync.blob_metadata");
        let err = BlobSyncError::from(StoreError::BadDownload {
            hash: "ab".into(),
            detail: "wrong".into(),
        });
        assert_eq!(err.code(), "errors.sync.bad_blob");
        assert!(!err.is_offline());
        let role = BlobRole::Signature;
        assert_eq!(
            serde_json::to_string(&role).ok().as_deref(),
            Some("\"signature\"")
        );
    }
}
