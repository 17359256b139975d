//! The device's copy of the server's actor directory (`GET /v1/actors`): which enrolled
//! device and attested user each Automerge actor is, so the audit trail names "李伟 on
//! Li's phone" rather than an actor prefix, also offline. Refreshed after each sync with
//! the ETag the server sends (a current copy costs one bodiless 304) and kept in
//! `device_meta` beside the reference data. Nothing here judges anything: the server
//! attested the bindings.

use std::collections::HashMap;

use onsite_core::protocol::ActorEntry;

use crate::sync_client::{refused, StoreAccess, SyncClient, SyncError};
use crate::Store;

const META_ACTORS: &str = "actors";
const META_ACTORS_ETAG: &str = "actors_etag";

impl SyncClient {
    /// Fetches the actor directory if it changed since the copy this device holds.
    #[tracing::instrument(skip_all)]
    pub async fn refresh_actors(&self, store: &mut impl StoreAccess) -> Result<(), SyncError> {
        let (http, base, token) = self.parts();
        let etag = store.with(|s| s.meta(META_ACTORS_ETAG))?;
        let mut request = http.get(format!("{base}/v1/actors")).bearer_auth(token);
        if let Some(etag) = etag.filter(|e| !e.is_empty()) {
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
        // Parsed before storing, so a bad answer never replaces a good copy.
        serde_json::from_slice::<Vec<ActorEntry>>(&body)
            .map_err(|e| SyncError::Protocol(format!("actor directory: {e}")))?;
        let body = String::from_utf8(body.to_vec())
            .map_err(|e| SyncError::Protocol(format!("actor directory: {e}")))?;
        store.with(|s| {
            s.batch(|s| {
                s.set_meta(META_ACTORS, &body)?;
                s.set_meta(META_ACTORS_ETAG, etag.as_deref().unwrap_or(""))
            })
        })?;
        Ok(())
    }
}

/// The last copy of the actor directory, by actor id (hex); empty before the first sync.
pub fn directory(store: &Store) -> Result<HashMap<String, ActorEntry>, SyncError> {
    let Some(json) = store.meta(META_ACTORS)?.filter(|j| !j.is_empty()) else {
        return Ok(HashMap::new());
    };
    let list: Vec<ActorEntry> = serde_json::from_str(&json)
        .map_err(|e| SyncError::Protocol(format!("stored actor directory: {e}")))?;
    Ok(list.into_iter().map(|a| (a.actor.clone(), a)).collect())
}

/// The ETag of the copy this device holds, if any (for tests and diagnostics).
pub fn etag(store: &Store) -> Result<Option<String>, SyncError> {
    Ok(store.meta(META_ACTORS_ETAG)?.filter(|e| !e.is_empty()))
}
