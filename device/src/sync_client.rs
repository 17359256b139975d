//! The device's sync client: signs in (enrolling the device), and runs sync round trips
//! against `onsite-server` over HTTP (reqwest, rustls). Each response is applied in one
//! local transaction together with its cursor, so a sync cut or killed at any moment
//! resumes where it stopped. See `docs/sync-protocol.md`.

use std::time::Duration;

use automerge::ChangeHash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use onsite_core::protocol::{PushDoc, PushResult, Reference, SyncRequest, SyncResponse};
use onsite_core::CompanyRules;
use serde::{Deserialize, Serialize};

use crate::{DocKind, Store, StoreError};

const META_SERVER: &str = "server_url";
const META_CURSOR: &str = "sync_cursor";
const META_LAST_SYNC: &str = "last_sync_at";
const META_OFFSET: &str = "clock_offset_ms";
const META_LAST_ERROR: &str = "last_sync_error";
const META_REFERENCE: &str = "reference";
const META_REFERENCE_ETAG: &str = "reference_etag";
const META_ACCOUNT: &str = "account";
const META_HELD: &str = "held_changes";
/// The server's epoch as last seen; a different one means it was restored.
const META_EPOCH: &str = "server_epoch";
/// Set while the full pull after a restore is under way (`store::restore`).
const META_RESTORE_PULL: &str = "restore_pull";

/// How the sync client reaches the store: directly (tests, tools) or through the app's
/// mutex. Either way it holds the store only for local steps, never across the network,
/// so the technician's edits never wait on a slow connection.
pub trait StoreAccess {
    /// Runs `f` with the store.
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R;
}

impl StoreAccess for &mut Store {
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(self)
    }
}

impl StoreAccess for &std::sync::Mutex<Store> {
    fn with<R>(&mut self, f: impl FnOnce(&mut Store) -> R) -> R {
        // A panic elsewhere while holding the lock cannot leave a half-written store:
        // every write is one SQLite transaction, rolled back if it did not commit.
        let mut guard = self.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }
}

/// Why a sync did not complete, with a stable code for the UI.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the office server could not be reached: {0}")]
    Offline(#[source] reqwest::Error),
    #[error("the office server refused the request ({status}): {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("this device is not signed in")]
    NotSignedIn,
    #[error("{count} documents have changes the office does not have yet")]
    UnsentChanges { count: usize },
    #[error("the office server sent something unreadable: {0}")]
    Protocol(String),
    /// Plain `http://` to a host other than this machine: the token and the customers'
    /// data would cross the network unencrypted.
    #[error(
        "the server address {0} is not encrypted: use https:// (plain http only for this machine)"
    )]
    InsecureServer(String),
    #[error("the server address {0:?} is not an http(s) address")]
    BadServerUrl(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The system key store that holds the device token could not give it back.
    #[error(transparent)]
    KeyStore(#[from] crate::token::KeyStoreError),
}

impl SyncError {
    /// The i18n key the UI shows.
    pub fn code(&self) -> &str {
        match self {
            SyncError::Offline(_) => "errors.sync.offline",
            SyncError::Refused { code, .. } => code,
            SyncError::NotSignedIn => "errors.sync.not_signed_in",
            SyncError::UnsentChanges { .. } => "errors.session.unsent_changes",
            SyncError::Protocol(_) => "errors.sync.protocol",
            SyncError::InsecureServer(_) => "errors.sync.insecure_server",
            SyncError::BadServerUrl(_) => "errors.sync.bad_server_url",
            SyncError::Store(e) => e.code(),
            SyncError::KeyStore(_) => "errors.sync.key_store",
        }
    }
}

/// The signed-in account, as the server describes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Account {
    pub id: String,
    pub login: String,
    pub name: String,
    pub role: onsite_core::role::Role,
}

#[derive(Deserialize)]
struct LoginResponse {
    token: String,
    account: Account,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

/// What one `sync` did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SyncReport {
    pub requests: usize,
    pub pushed: usize,
    pub pulled: usize,
    /// Pushes the server kept in quarantine: (document id, reason).
    pub quarantined: Vec<(String, String)>,
    /// Documents the server says left this user's scope: (document id, reason).
    pub removed: Vec<(String, String)>,
    /// Pushes the server refused, still pending here: (document id, code, reason). An
    /// unreadable push is sent again whole on the next sync (see `docs/sync-protocol.md`).
    pub rejected: Vec<(String, String, String)>,
    /// Photos and signatures sent and fetched after the documents.
    pub blobs: crate::blob_sync::BlobReport,
    /// The server was restored from a backup since the last sync: what it lacked was
    /// found by comparing heads and sent again.
    pub server_restored: bool,
}

/// A client for one office server.
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// Checks a server address before anything is sent to it: `https://` anywhere, plain
/// `http://` only to this machine (loopback: tests, the demo, a local bridge).
pub fn check_server_url(base: &str) -> Result<(), SyncError> {
    let url = reqwest::Url::parse(base).map_err(|_| SyncError::BadServerUrl(base.into()))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            // An IPv6 host comes in brackets, as in the address.
            let ip = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || ip
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(SyncError::InsecureServer(base.into()))
            }
        }
        _ => Err(SyncError::BadServerUrl(base.into())),
    }
}

fn http_client() -> Result<reqwest::Client, SyncError> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(SyncError::Offline)
}

pub(crate) async fn refused(response: reqwest::Response) -> SyncError {
    let status = response.status().as_u16();
    match response.json::<ErrorBody>().await {
        Ok(body) => SyncError::Refused {
            status,
            code: body.code,
            message: body.message,
        },
        Err(_) => SyncError::Refused {
            status,
            code: "errors.sync.server".into(),
            message: format!("HTTP {status}"),
        },
    }
}

impl SyncClient {
    /// The HTTP client, server address and device token, for the blob transfers of
    /// [`crate::blob_sync`].
    pub(crate) fn parts(&self) -> (&reqwest::Client, &str, &str) {
        (&self.http, &self.base, &self.token)
    }

    /// Signs in to `base` (e.g. `https://onsite.example.com`), enrolling this device, and
    /// remembers the server and token in the store.
    #[tracing::instrument(skip_all, fields(server = %base, login = %login))]
    pub async fn sign_in(
        mut store: impl StoreAccess,
        base: &str,
        login: &str,
        password: &str,
        device_name: &str,
    ) -> Result<(Self, Account), SyncError> {
        let base = base.trim_end_matches('/').to_string();
        check_server_url(&base)?;
        let http = http_client()?;
        let device_id = store.with(|s| s.device_id())?;
        let response = http
            .post(format!("{base}/v1/auth/login"))
            .json(&serde_json::json!({
                "login": login,
                "password": password,
                "device_id": device_id,
                "device_name": device_name,
            }))
            .send()
            .await
            .map_err(SyncError::Offline)?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        let body: LoginResponse = response
            .json()
            .await
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        let account_json =
            serde_json::to_string(&body.account).map_err(|e| SyncError::Protocol(e.to_string()))?;
        store.with(|s| {
            crate::token::save(s, &body.token)?;
            s.batch(|s| {
                s.set_meta(META_SERVER, &base)?;
                s.set_meta(META_ACCOUNT, &account_json)
            })
        })?;
        let client = Self {
            http,
            base,
            token: body.token,
        };
        Ok((client, body.account))
    }

    /// The client for the server this device signed in to, if any.
    pub fn from_store(store: &Store) -> Result<Option<Self>, SyncError> {
        let token = crate::token::load(store).map_err(|e| match e {
            crate::token::LoadError::Store(e) => SyncError::Store(e),
            crate::token::LoadError::KeyStore(e) => SyncError::KeyStore(e),
        })?;
        let (Some(base), Some(token)) = (store.meta(META_SERVER)?, token) else {
            return Ok(None);
        };
        // Also for a server stored by an older version that did not check.
        check_server_url(&base)?;
        Ok(Some(Self {
            http: http_client()?,
            base,
            token,
        }))
    }

    /// Syncs until the server has nothing more: pushes every pending document and
    /// applies what comes back. The outcome is remembered for [`status`].
    #[tracing::instrument(skip_all, fields(server = %self.base))]
    pub async fn sync(&self, mut store: impl StoreAccess) -> Result<SyncReport, SyncError> {
        // Blobs go up before the documents that name them: a desk woken by the push
        // would otherwise ask for a photo the server does not have yet. A blob that fails
        // is in `report.blobs` and tried again next time, never holding back the sync.
        let mut blobs = crate::blob_sync::BlobReport::default();
        let mut result = match crate::blob_sync::upload(self, &mut store, &mut blobs).await {
            Ok(()) => self.sync_inner(&mut store).await,
            Err(offline) => Err(offline),
        };
        if let Ok(report) = &mut result {
            if report.server_restored {
                // The restored server may lack photos this device sent after the backup:
                // every blob was marked to be offered again, and the upload asks first.
                if let Err(offline) = crate::blob_sync::upload(self, &mut store, &mut blobs).await {
                    tracing::warn!(%offline, "blobs not offered again yet; next sync");
                }
            }
            // After the documents, whose progress is stored by now.
            crate::blob_sync::download(self, &mut store, &mut blobs).await;
            report.blobs = blobs;
        }
        // A refused push is a failure the user must see even though the round trip
        // worked: the work stays on this device until the server takes it.
        let error = match &result {
            Err(e) => Some(e.code().to_string()),
            Ok(report) => report
                .rejected
                .first()
                .map(|(_, code, _)| push_rejected_code(code)),
        };
        store.with(|s| s.set_meta(META_LAST_ERROR, error.as_deref().unwrap_or("")))?;
        if let Err(err) = &result {
            tracing::warn!(%err, "sync failed");
        }
        result
    }

    async fn sync_inner(&self, store: &mut impl StoreAccess) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        loop {
            let (request, acks) = store.with(outgoing)?;
            let response = self.round_trip(&request).await?;
            report.requests += 1;
            report.pushed += request.push.len();
            report.pulled += response.docs.len();
            let more = response.more;
            let again = store.with(|s| apply(s, &acks, response, &mut report))?;
            if !more && !again {
                break;
            }
        }
        self.refresh_reference(store).await?;
        // Names for the audit trail: a failure here leaves the last copy in use and
        // does not undo a sync whose documents are stored.
        if let Err(err) = self.refresh_actors(store).await {
            tracing::warn!(%err, "actor directory not refreshed; the last copy stays");
        }
        Ok(report)
    }

    /// Fetches the reference data (catalog, locations, staff) if it changed since the
    /// copy this device holds; a current copy costs one bodiless 304.
    async fn refresh_reference(&self, store: &mut impl StoreAccess) -> Result<(), SyncError> {
        let etag = store.with(|s| s.meta(META_REFERENCE_ETAG))?;
        let mut request = self
            .http
            .get(format!("{}/v1/reference", self.base))
            .bearer_auth(&self.token);
        if let Some(etag) = &etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        let response = request.send().await.map_err(SyncError::Offline)?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(());
        }
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(SyncError::Offline)?;
        // Parse before storing so a bad answer never replaces a good copy.
        serde_json::from_slice::<Reference>(&body)
            .map_err(|e| SyncError::Protocol(format!("reference data: {e}")))?;
        let body = String::from_utf8(body.to_vec())
            .map_err(|e| SyncError::Protocol(format!("reference data: {e}")))?;
        store.with(|s| -> Result<(), SyncError> {
            s.batch(|s| {
                s.set_meta(META_REFERENCE, &body)?;
                s.set_meta(META_REFERENCE_ETAG, etag.as_deref().unwrap_or(""))
            })?;
            // New settings or calendar: the stored list rows (due and at-risk instants)
            // are computed with them, so they are recomputed now.
            apply_company_rules(s)?;
            Ok(())
        })?;
        Ok(())
    }

    /// Waits (a long poll of up to `timeout_s` seconds) until the server has something
    /// new for this device after `cursor`. True means "sync now".
    #[tracing::instrument(skip_all, fields(server = %self.base))]
    /// `reference` is the ETag of the reference data this device holds: new settings or
    /// a new calendar at the office also end the wait.
    pub async fn wait(
        &self,
        cursor: Option<u64>,
        reference: Option<&str>,
        timeout_s: u64,
    ) -> Result<bool, SyncError> {
        let Some(cursor) = cursor else {
            return Ok(true); // never synced: there is certainly something
        };
        let mut request = self
            .http
            .get(format!("{}/v1/sync/wait", self.base))
            .query(&[("cursor", cursor), ("timeout_s", timeout_s)]);
        if let Some(reference) = reference.filter(|r| !r.is_empty()) {
            request = request.query(&[("reference", reference)]);
        }
        let response = request
            .timeout(Duration::from_secs(timeout_s + 15))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(SyncError::Offline)?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        #[derive(Deserialize)]
        struct Wait {
            changed: bool,
        }
        let wait: Wait = response
            .json()
            .await
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(wait.changed)
    }

    /// Tells the server this device is signed out, so its token stops working. The
    /// caller wipes local data afterwards.
    #[tracing::instrument(skip_all, fields(server = %self.base))]
    pub async fn revoke_this_device(&self, device_id: &str) -> Result<(), SyncError> {
        let response = self
            .http
            .post(format!("{}/v1/devices/{device_id}/revoke", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(SyncError::Offline)?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        Ok(())
    }

    async fn round_trip(&self, request: &SyncRequest) -> Result<SyncResponse, SyncError> {
        let response = self
            .http
            .post(format!("{}/v1/sync", self.base))
            .bearer_auth(&self.token)
            .json(request)
            .send()
            .await
            .map_err(SyncError::Offline)?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        response
            .json()
            .await
            .map_err(|e| SyncError::Protocol(e.to_string()))
    }
}

/// What the status line shows: whether the device is signed in, when it last synced,
/// how many documents wait to be sent, and the last failure as an i18n key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub server: Option<String>,
    /// The server's clock at the last successful sync (RFC 3339).
    pub last_sync_at: Option<String>,
    /// Documents with edits the server has not acknowledged.
    pub unsent: usize,
    /// The last sync's failure (`errors.sync.offline`, …), or None if it succeeded.
    pub last_error: Option<String>,
    /// Server clock minus device clock at the last sync, in milliseconds.
    pub clock_offset_ms: Option<i64>,
}

/// Reads the sync status from the store alone, so it is there offline and at start-up.
pub fn status(store: &Store) -> Result<SyncStatus, StoreError> {
    Ok(SyncStatus {
        server: store.meta(META_SERVER)?,
        last_sync_at: store.meta(META_LAST_SYNC)?,
        unsent: store.pending()?.len(),
        last_error: store.meta(META_LAST_ERROR)?.filter(|e| !e.is_empty()),
        clock_offset_ms: store.meta(META_OFFSET)?.and_then(|o| o.parse().ok()),
    })
}

/// Erases this device's data for signing out: refused while documents have changes the
/// server has not acknowledged, unless the user confirmed losing them. The caller syncs
/// (and revokes the device's token) first.
pub fn forget_device(store: &mut Store, discard_unsent: bool) -> Result<(), SyncError> {
    let count = store.pending()?.len();
    if count > 0 && !discard_unsent {
        return Err(SyncError::UnsentChanges { count });
    }
    if count > 0 {
        tracing::warn!(
            count,
            "signing out discards unsent changes, as the user confirmed"
        );
    }
    crate::token::forget(store)?;
    store.wipe()?;
    Ok(())
}

/// The cursor of the last response this device applied, if it has synced at all.
pub fn cursor(store: &Store) -> Result<Option<u64>, SyncError> {
    store
        .meta(META_CURSOR)?
        .map(|c| c.parse::<u64>())
        .transpose()
        .map_err(|e| SyncError::Protocol(format!("stored cursor: {e}")))
}

/// The account signed in on this device, kept from sign-in so the app knows who it is
/// offline.
pub fn account(store: &Store) -> Result<Option<Account>, SyncError> {
    store
        .meta(META_ACCOUNT)?
        .map(|json| serde_json::from_str(&json))
        .transpose()
        .map_err(|e| SyncError::Protocol(format!("stored account: {e}")))
}

/// This device's pushes the server still holds in quarantine, as of the last sync: the
/// notice the app shows until a supervisor decides them.
pub fn held_changes(store: &Store) -> Result<Vec<onsite_core::protocol::HeldNotice>, SyncError> {
    store
        .meta(META_HELD)?
        .filter(|json| !json.is_empty())
        .map(|json| serde_json::from_str(&json))
        .transpose()
        .map(Option::unwrap_or_default)
        .map_err(|e| SyncError::Protocol(format!("stored held changes: {e}")))
}

/// The reference data from the last sync, if any.
pub fn reference(store: &Store) -> Result<Option<Reference>, SyncError> {
    store
        .meta(META_REFERENCE)?
        .map(|json| serde_json::from_str(&json))
        .transpose()
        .map_err(|e| SyncError::Protocol(format!("stored reference data: {e}")))
}

/// The ETag of the reference data this device holds, if any.
pub fn reference_etag(store: &Store) -> Result<Option<String>, SyncError> {
    Ok(store.meta(META_REFERENCE_ETAG)?)
}

/// The company's settings versions and calendar from the last reference data; the
/// regulation's figures on a device that never synced (it cannot have made an order
/// yet: signing in syncs).
pub fn company_rules(store: &Store) -> Result<CompanyRules, SyncError> {
    Ok(reference(store)?
        .map(|r| r.company)
        .unwrap_or_else(CompanyRules::regulation))
}

/// Makes the store's projections use the cached company rules, recomputing the stored
/// rows if they changed. Called when the store is opened and when reference data
/// arrives.
pub fn apply_company_rules(store: &mut Store) -> Result<(), SyncError> {
    let rules = company_rules(store)?;
    if store.projector().rules == rules {
        return Ok(());
    }
    store.set_projector(crate::projection::Projector::new(rules));
    let failed = store.rebuild_projections()?;
    if !failed.is_empty() {
        tracing::warn!(
            count = failed.len(),
            "documents kept aside while applying new company rules"
        );
    }
    Ok(())
}

/// Push refusals after which the next push sends the whole document.
const RESEND_WHOLE: [&str; 2] = ["unreadable_changes", "missing_dependencies"];

/// The status line's code for a refused push, e.g. `errors.sync.unreadable_changes`.
pub fn push_rejected_code(code: &str) -> String {
    format!("errors.sync.{code}")
}

/// What to acknowledge for each pushed document once the server has it.
struct Ack {
    doc_id: String,
    kind: DocKind,
    heads: Vec<ChangeHash>,
    local_seq: i64,
}

fn outgoing(store: &mut Store) -> Result<(SyncRequest, Vec<Ack>), SyncError> {
    let cursor = cursor(store)?;
    let mut push = Vec::new();
    let mut acks = Vec::new();
    for pending in store.pending()? {
        let Some(kind) = DocKind::parse(&pending.kind) else {
            continue;
        };
        let heads = store.read(kind, &pending.doc_id, |doc| doc.get_heads())?;
        let (bytes, local_seq) = store.changes_for_server(kind, &pending.doc_id)?;
        push.push(PushDoc {
            doc_id: pending.doc_id.clone(),
            kind,
            data: B64.encode(bytes),
            heads: heads.iter().map(ToString::to_string).collect(),
        });
        acks.push(Ack {
            doc_id: pending.doc_id,
            kind,
            heads,
            local_seq,
        });
    }
    let request = SyncRequest {
        cursor,
        push,
        client_time: Some(chrono::Utc::now().to_rfc3339()),
    };
    Ok((request, acks))
}

/// Applies a response in one local transaction, cursor included, so that it is either
/// wholly stored or not at all (and then simply fetched again). True means "send another
/// request now" even if the server has no more: after a restore, to pull everything and
/// push what the server turned out to lack.
fn apply(
    store: &mut Store,
    acks: &[Ack],
    response: SyncResponse,
    report: &mut SyncReport,
) -> Result<bool, SyncError> {
    let mut decoded = Vec::with_capacity(response.docs.len());
    for doc in &response.docs {
        let bytes = B64
            .decode(&doc.data)
            .map_err(|e| SyncError::Protocol(format!("document {}: {e}", doc.doc_id)))?;
        let heads: Vec<ChangeHash> = doc
            .heads
            .iter()
            .map(|h| h.parse())
            .collect::<Result<_, _>>()
            .map_err(|_| SyncError::Protocol(format!("document {}: bad heads", doc.doc_id)))?;
        decoded.push((doc, bytes, heads));
    }
    // The server sends the whole list each time: a decided change drops out of it.
    let held = serde_json::to_string(&response.held)
        .map_err(|e| SyncError::Protocol(format!("held changes: {e}")))?;
    // Documents new to this device load on every core first (outside the write).
    let new: Vec<(DocKind, &str, &[u8])> = decoded
        .iter()
        .map(|(doc, bytes, _)| (doc.kind, doc.doc_id.as_str(), bytes.as_slice()))
        .collect();
    let mut loaded = store.load_new(&new)?;
    let again = store.batch(|s| {
        // A new epoch: the server was restored and forgot what it acknowledged since
        // its backup. The documents are checked against its copy in a full pull.
        let last_epoch = s.meta(META_EPOCH)?;
        let restored = !response.epoch.is_empty()
            && last_epoch.is_some_and(|e| !e.is_empty() && e != response.epoch);
        let checking = s.meta(META_RESTORE_PULL)?.is_some();
        for result in &response.push_results {
            match result {
                PushResult::Accepted { doc_id } | PushResult::Quarantined { doc_id, .. } => {
                    if let Some(ack) = acks.iter().find(|a| &a.doc_id == doc_id) {
                        s.acknowledge(ack.kind, &ack.doc_id, &ack.heads, ack.local_seq)?;
                    }
                }
                // Not merged: the heads are not recorded, so the work stays pending. If
                // the data was unreadable (cut or corrupted on the way) or lacked a base
                // the server has, the next push carries every change of the document.
                PushResult::Rejected { doc_id, code, .. } => {
                    if RESEND_WHOLE.contains(&code.as_str()) {
                        if let Some(ack) = acks.iter().find(|a| &a.doc_id == doc_id) {
                            s.resend_whole(ack.kind, &ack.doc_id)?;
                        }
                    }
                }
            }
        }
        if restored {
            tracing::warn!(epoch = %response.epoch, "the server was restored from a backup; checking what it lacks");
            s.begin_restore_check()?;
        }
        let mut newly_pending = false;
        for (doc, bytes, heads) in &decoded {
            s.receive_loaded(doc.kind, &doc.doc_id, bytes, loaded.remove(&doc.doc_id))?;
            // Server heads only; local edits stay pending (acked_seq 0 never lowers it).
            s.acknowledge(doc.kind, &doc.doc_id, heads, 0)?;
            if restored || checking {
                newly_pending |= s.check_after_restore(doc.kind, &doc.doc_id, heads)?;
            }
        }
        for removed in &response.removed {
            // A document with unsent work stays; it is pushed next time and the server
            // repeats the notice until it can go.
            let pending = s.pending()?.iter().any(|p| p.doc_id == removed.doc_id);
            if !pending {
                s.remove(&removed.doc_id, &removed.reason)?;
            }
        }
        s.set_meta(META_EPOCH, &response.epoch)?;
        if restored {
            // The cursor belongs to the server before the restore: pull from the start.
            s.delete_meta(META_CURSOR)?;
            s.set_meta(META_RESTORE_PULL, "1")?;
        } else {
            s.set_meta(META_CURSOR, &response.cursor.to_string())?;
            if checking && !response.more {
                newly_pending |= s.finish_restore_check()? > 0;
                s.delete_meta(META_RESTORE_PULL)?;
            }
        }
        s.set_meta(META_LAST_SYNC, &response.server_time)?;
        if let Some(offset) = response.clock_offset_ms {
            s.set_meta(META_OFFSET, &offset.to_string())?;
        }
        s.set_meta(META_HELD, &held)?;
        report.server_restored |= restored;
        Ok(restored || newly_pending)
    })?;
    for result in response.push_results {
        // A refusal healed by a later request of the same sync is no longer news.
        let doc = match &result {
            PushResult::Accepted { doc_id }
            | PushResult::Quarantined { doc_id, .. }
            | PushResult::Rejected { doc_id, .. } => doc_id.clone(),
        };
        report.rejected.retain(|(d, _, _)| *d != doc);
        match result {
            PushResult::Quarantined { doc_id, reason, .. } => {
                report.quarantined.push((doc_id, reason))
            }
            PushResult::Rejected {
                doc_id,
                code,
                reason,
            } => {
                tracing::warn!(doc = %doc_id, %code, %reason, "push refused; kept pending");
                report.rejected.push((doc_id, code, reason));
            }
            PushResult::Accepted { .. } => {}
        }
    }
    report
        .removed
        .extend(response.removed.into_iter().map(|r| (r.doc_id, r.reason)));
    Ok(again)
}

/// The delay before retry number `attempt` (0-based) after a failed sync: exponential
/// from 2 s up to 5 minutes, with full jitter so a whole fleet coming back online at
/// once does not hit the server in step.
pub fn backoff(attempt: u32) -> Duration {
    let cap = Duration::from_secs(300);
    let ceiling = Duration::from_secs(2)
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(cap);
    ceiling.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_out_keeps_unsent_work_unless_the_user_confirms_losing_it() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("device.db"))?;
        let f = crate::fixtures::Fixture::default();
        let now = chrono::Utc::now();
        let order = store.create_order(f.new_order(1, now), &f.ctx(f.dispatcher, now))?;
        store.set_meta(crate::token::META_TOKEN, "ost_secret")?;
        let device = store.device_id()?;

        let refused = forget_device(&mut store, false);
        assert!(
            matches!(refused, Err(SyncError::UnsentChanges { count: 1 })),
            "an unsent order blocks signing out: {refused:?}"
        );
        assert_eq!(
            refused.err().map(|e| e.code().to_string()).as_deref(),
            Some("errors.session.unsent_changes")
        );
        assert!(
            store.contains(&order.id.to_string())?,
            "the unsent order is still there"
        );

        forget_device(&mut store, true)?;
        assert!(
            !store.contains(&order.id.to_string())?,
            "confirmed: the data is gone"
        );
        assert_eq!(
            store.meta(crate::token::META_TOKEN)?,
            None,
            "the token is gone with it"
        );
        assert_ne!(
            store.device_id()?,
            device,
            "the next sign-in enrolls a new device"
        );
        assert!(store.order_list(&crate::OrderFilter::default())?.is_empty());
        drop(store);
        let reopened = Store::open(&dir.path().join("device.db"))?;
        assert!(
            reopened.pending()?.is_empty(),
            "nothing comes back after a restart"
        );
        Ok(())
    }

    #[test]
    fn plain_http_is_refused_except_to_this_machine() {
        for ok in [
            "https://onsite.example.com",
            "https://10.0.0.5:8443/",
            "http://127.0.0.1:8787",
            "http://127.8.9.1",
            "http://localhost:8787",
            "http://[::1]:8787",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok} is allowed");
        }
        for (bad, code) in [
            ("http://192.168.1.20:8787", "errors.sync.insecure_server"),
            ("http://onsite.example.com", "errors.sync.insecure_server"),
            (
                "http://localhost.example.com",
                "errors.sync.insecure_server",
            ),
            ("ftp://onsite.example.com", "errors.sync.bad_server_url"),
            ("onsite.example.com", "errors.sync.bad_server_url"),
        ] {
            let err = check_server_url(bad).unwrap_err();
            assert_eq!(err.code(), code, "{bad}");
        }
    }

    #[tokio::test]
    async fn signing_in_over_plain_http_to_another_host_sends_nothing() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut store = Store::open(&dir.path().join("device.db"))?;
        // 192.0.2.0/24 is reserved for documentation: nothing answers there, so an
        // attempt to connect would fail as `offline`, not as insecure.
        let refused =
            SyncClient::sign_in(&mut store, "http://192.0.2.7:8787", "li.wei", "pw", "phone")
                .await
                .err()
                .map(|e| e.code().to_string());
        assert_eq!(refused.as_deref(), Some("errors.sync.insecure_server"));
        assert_eq!(store.meta(META_SERVER)?, None, "nothing was stored");
        store.set_meta(META_SERVER, "http://192.0.2.7:8787")?;
        store.set_meta(crate::token::META_TOKEN, "ost_x")?;
        assert!(
            matches!(
                SyncClient::from_store(&store),
                Err(SyncError::InsecureServer(_))
            ),
            "a stored plain-http server is refused too"
        );
        Ok(())
    }

    #[test]
    fn backoff_grows_and_is_capped_at_five_minutes() {
        for attempt in 0..40 {
            let ceiling =
                Duration::from_secs(2 * 2u64.pow(attempt.min(16))).min(Duration::from_secs(300));
            let d = backoff(attempt);
            assert!(d <= ceiling, "attempt {attempt}: {d:?} over {ceiling:?}");
        }
        let late: Vec<_> = (0..50).map(|_| backoff(30)).collect();
        assert!(
            late.iter().any(|d| *d > Duration::from_secs(60)),
            "late retries wait long"
        );
        assert!(
            late.windows(2).any(|w| w[0] != w[1]),
            "retries are jittered"
        );
    }
}
