//! Client calls for the supervisor's quarantine review and the audit trail: listing the
//! changes the server holds, releasing or discarding one, and asking who each Automerge
//! actor is (the enrolled device and the attested user). The desk UI calls these through
//! the command layer; nothing here touches the store.

use onsite_core::protocol::{ActorEntry, Decision, HeldChange};
use serde::de::DeserializeOwned;

use crate::sync_client::{refused, SyncClient, SyncError};

impl SyncClient {
    async fn quarantine_call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let (_, _, token) = self.parts();
        let response = request
            .bearer_auth(token)
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

    /// The held changes, oldest first (open ones only unless `all`). Supervisors only.
    #[tracing::instrument(skip_all, fields(all))]
    pub async fn held_changes(&self, all: bool) -> Result<Vec<HeldChange>, SyncError> {
        let (http, base, _) = self.parts();
        let request = http
            .get(format!("{base}/v1/quarantine"))
            .query(&[("all", all)]);
        self.quarantine_call(request).await
    }

    /// Releases held change `id`: merged as this supervisor's decision, with `note`.
    #[tracing::instrument(skip_all, fields(held = %id))]
    pub async fn release_held(&self, id: &str, note: &str) -> Result<HeldChange, SyncError> {
        self.decide(id, "release", note).await
    }

    /// Discards held change `id`: the office copy stays as it is; `note` says why.
    #[tracing::instrument(skip_all, fields(held = %id))]
    pub async fn discard_held(&self, id: &str, note: &str) -> Result<HeldChange, SyncError> {
        self.decide(id, "discard", note).await
    }

    async fn decide(&self, id: &str, what: &str, note: &str) -> Result<HeldChange, SyncError> {
        let (http, base, _) = self.parts();
        let request = http
            .post(format!("{base}/v1/quarantine/{id}/{what}"))
            .json(&Decision {
                note: note.to_string(),
            });
        self.quarantine_call(request).await
    }

    /// Who each Automerge actor is: its enrolled device and the user the server attests.
    #[tracing::instrument(skip_all)]
    pub async fn actors(&self) -> Result<Vec<ActorEntry>, SyncError> {
        let (http, base, _) = self.parts();
        let request = http.get(format!("{base}/v1/actors"));
        self.quarantine_call(request).await
    }
}
