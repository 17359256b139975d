//! The desk's client of the office endpoints (`/v1/office/…`: catalog, stock, people),
//! with the device's own token. Unlike sync, these are online-only: the office's set-up
//! is server-authoritative and is never edited offline. A refusal keeps the server's
//! `details` (the row and column of a bad catalog line, the stock available), so the UI
//! can word it.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::sync_client::{SyncClient, SyncError};

/// Why an office request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    /// Not signed in, offline, or an unreadable answer.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The server answered with an error.
    #[error("the office server refused ({status}): {code}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The stable i18n key.
        code: String,
        /// English, for logs.
        message: String,
        /// Values the translated message names.
        details: Map<String, Value>,
    },
}

#[derive(Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
    #[serde(default)]
    details: Map<String, Value>,
}

impl SyncClient {
    /// GETs `path` and reads the JSON answer.
    #[tracing::instrument(skip_all, fields(path))]
    pub async fn office_get<T: DeserializeOwned>(&self, path: &str) -> Result<T, OfficeError> {
        let value = self.office_call::<()>(Method::GET, path, None).await?;
        serde_json::from_value(value)
            .map_err(|e| SyncError::Protocol(format!("{path}: {e}")).into())
    }

    /// GETs `path` with `query` (pairs, absent ones left out) and reads the JSON answer.
    #[tracing::instrument(skip_all, fields(path))]
    pub async fn office_get_query<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, OfficeError> {
        let (http, base, token) = self.parts();
        let request = http
            .get(format!("{base}{path}"))
            .query(query)
            .bearer_auth(token);
        let value = self.office_send(request).await?;
        serde_json::from_value(value)
            .map_err(|e| SyncError::Protocol(format!("{path}: {e}")).into())
    }

    /// POSTs `body` to `path` and reads the JSON answer (`null` for 204).
    #[tracing::instrument(skip_all, fields(path))]
    pub async fn office_post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, OfficeError> {
        let value = self.office_call(Method::POST, path, Some(body)).await?;
        serde_json::from_value(value)
            .map_err(|e| SyncError::Protocol(format!("{path}: {e}")).into())
    }

    /// PUTs `body` at `path` and reads the JSON answer.
    #[tracing::instrument(skip_all, fields(path))]
    pub async fn office_put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, OfficeError> {
        let value = self.office_call(Method::PUT, path, Some(body)).await?;
        serde_json::from_value(value)
            .map_err(|e| SyncError::Protocol(format!("{path}: {e}")).into())
    }

    async fn office_call<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Value, OfficeError> {
        let (http, base, token) = self.parts();
        let mut request = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.office_send(request).await
    }

    async fn office_send(&self, request: reqwest::RequestBuilder) -> Result<Value, OfficeError> {
        let response = request.send().await.map_err(SyncError::Offline)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(SyncError::Offline)?;
        if !status.is_success() {
            let status = status.as_u16();
            return Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(body) => OfficeError::Refused {
                    status,
                    code: body.code,
                    message: body.message,
                    details: body.details,
                },
                Err(_) => OfficeError::Refused {
                    status,
                    code: "errors.sync.server".into(),
                    message: format!("HTTP {status}"),
                    details: Map::new(),
                },
            });
        }
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| SyncError::Protocol(format!("office answer: {e}")).into())
    }
}
