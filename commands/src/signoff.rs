//! `sign_off`: stores the customer's signature strokes (and their rendering) and signs
//! the order off, or records the customer's signed objection (异议) when one is given.

use onsite_core::doc::order::OrderOp;
use onsite_core::ids::{OrderId, RecordId};

use crate::error::CommandError;
use crate::order::{edit, OrderDetail};
use crate::{parse_id, App};

/// A strokes capture from signature_pad: `toData()` plus the canvas size in CSS px.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct SignatureInput {
    /// Canvas width in CSS px.
    pub width: u32,
    /// Canvas height in CSS px.
    pub height: u32,
    /// signature_pad's stroke groups, kept as drawn.
    #[ts(type = "unknown[]")]
    pub strokes: Vec<serde_json::Value>,
}

/// Stores the signature and signs off; with `objection`, records the objection signed
/// with it instead (the order goes back to rework).
#[tracing::instrument(skip_all, fields(order = %id))]
pub fn sign_off(
    app: &App,
    id: &str,
    signature: &SignatureInput,
    signer: &str,
    rating: Option<u8>,
    objection: Option<&str>,
) -> Result<OrderDetail, CommandError> {
    let id: OrderId = parse_id("order", id)?;
    if signature.strokes.is_empty() {
        return Err(CommandError::new(
            "errors.signoff.no_signature",
            "the customer has not signed",
        ));
    }
    if signer.trim().is_empty() {
        return Err(CommandError::new(
            "errors.signoff.no_signer",
            "the signer's name is missing",
        ));
    }
    edit(app, id, |store| {
        let strokes = serde_json::to_vec(signature)
            .map_err(|e| CommandError::new("errors.input.bad_signature", e.to_string()))?;
        let signature = store.add_signature(&strokes)?;
        let id = RecordId::new_at(app.now());
        Ok(match objection {
            Some(text) => OrderOp::Object {
                id,
                signer: signer.trim().to_string(),
                text: text.trim().to_string(),
                signature_blob: Some(signature.strokes),
            },
            None => OrderOp::SignOff {
                id,
                signer: signer.trim().to_string(),
                rating,
                signature_blob: signature.strokes,
            },
        })
    })
}
