//! Photos and blobs: `add_photo` takes the photo's bytes as they are (the shell hands
//! over Tauri's raw request body, the bridge the HTTP body), never a JSON array of
//! numbers; `blob_url` answers a photo, thumbnail or signature as a `data:` URL.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use onsite_core::doc::order::OrderOp;
use onsite_core::ids::OrderId;

use crate::error::CommandError;
use crate::order::{edit, OrderDetail};
use crate::{parse_id, App};

/// What comes with a photo's bytes: the order and the caption. The shell reads them
/// from the request's headers, the bridge from its JSON.
#[derive(Debug, Clone, serde::Deserialize, ts_rs::TS)]
pub struct PhotoArgs {
    /// The order.
    pub id: String,
    /// The technician's caption.
    #[serde(default)]
    pub caption: String,
}

/// Adds a photo: re-encoded without EXIF and thumbnailed on the device, then referenced.
#[tracing::instrument(skip_all, fields(order = %id, bytes = bytes.len()))]
pub fn add_photo(
    app: &App,
    id: &str,
    bytes: &[u8],
    caption: &str,
) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", id)?;
    edit(app, id, |store| {
        let photo = store.add_photo(bytes)?;
        Ok(OrderOp::AddPhoto {
            hash: photo.hash,
            caption: caption.trim().to_string(),
        })
    })
}

/// A photo, thumbnail or signature as a `data:` URL; None if this device lacks it.
#[tracing::instrument(skip_all, fields(blob = %hash))]
pub fn blob_url(app: &App, hash: &str, thumbnail: bool) -> Result<Option<String>, CommandError> {
    app.with_store(|store| {
        let Some(meta) = store.blob_meta(hash)? else {
            return Ok(None);
        };
        let shown = match meta.kind.as_str() {
            // The order references the strokes; the screen shows their rendering,
            // made here if this device only received the strokes.
            "signature_strokes" => match store.derived_blob(hash, "signature_png")? {
                Some(png) => png,
                None => store.add_signature(&store.read_blob(hash)?)?.png,
            },
            "photo" if thumbnail => store
                .derived_blob(hash, "thumbnail")?
                .unwrap_or_else(|| hash.to_string()),
            _ => hash.to_string(),
        };
        let Some(shown_meta) = store.blob_meta(&shown)? else {
            return Ok(None);
        };
        let bytes = store.read_blob(&shown)?;
        Ok(Some(format!(
            "data:{};base64,{}",
            shown_meta.media_type,
            B64.encode(bytes)
        )))
    })
}
