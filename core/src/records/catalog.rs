//! Parts catalog entries and stock locations: server-authoritative reference data.

use serde::{Deserialize, Serialize};

use crate::ids::{LocationId, PartId, UserId};
use crate::money::Money;

/// A parts catalog entry (备件).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Part {
    /// Stable id.
    pub id: PartId,
    /// Part number.
    pub number: String,
    /// Name.
    pub name: String,
    /// Unit of measure ("pcs", "m").
    pub unit: String,
    /// List price.
    pub price: Money,
    /// Serialized parts record a serial on every issue and use.
    pub serialized: bool,
    /// Valuable or limited (贵重/限量): a supervisor approves their issue.
    pub valuable: bool,
    /// Genuine or certified (原厂或认证): only these may be used on a repair.
    pub certified: bool,
    /// What a barcode scanner reads off the packaging (EAN-13); empty when unlabelled.
    #[serde(default)]
    pub barcode: String,
}

/// What kind of place stock sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// 仓库.
    Warehouse,
    /// A technician's van or bag (随车库存).
    Van,
}

/// A stock location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Location {
    /// Stable id.
    pub id: LocationId,
    /// Name.
    pub name: String,
    /// Warehouse or van.
    pub kind: LocationKind,
    /// The technician a van belongs to.
    pub holder: Option<UserId>,
}
