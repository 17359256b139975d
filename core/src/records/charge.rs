//! Fee decisions and payment recorded on an order beside the supervisor's overrides: a
//! charge basis reassessed when the damage turns out to be customer-caused (人为损坏), or
//! is ruled out, with the photo that shows it; and the payment received for chargeable
//! work before a mail-in product is shipped back.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{RecordId, UserId};
use crate::money::Money;
use crate::warranty::ChargeBasis;

/// One reassessment of who pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChargeReassessment {
    /// Stable id.
    #[key]
    pub id: RecordId,
    /// When.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who reassessed (an agent or the technician).
    pub by: UserId,
    /// Damaged by the customer, as now found.
    pub customer_damage: bool,
    /// The basis before.
    pub from: ChargeBasis,
    /// The basis after.
    pub to: ChargeBasis,
    /// Content hash of the photo on the order that shows the damage; empty when the
    /// damage was ruled out.
    pub evidence: String,
    /// What was found, in words.
    pub note: String,
    /// True when it came after the customer's consent, which it then withdrew: the
    /// customer must consent again to the new fee before any more repair.
    pub voided_consent: bool,
    /// The consent it withdrew, kept so the record (and the server's review of a push
    /// that consented and then reassessed) still shows what was agreed before.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub withdrawn: Option<crate::records::order::Consent>,
}

/// Payment received for chargeable work (收费维修).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Payment {
    /// When it was marked received.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub at: DateTime<Utc>,
    /// Who marked it.
    pub by: UserId,
    /// The amount received.
    pub amount: Money,
    /// How it was paid (transfer, WeChat Pay, cash …), in words.
    pub method: String,
    /// A transaction number or receipt reference, if any.
    pub reference: String,
}
