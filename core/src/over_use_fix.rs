//! Resolving a `stock_over_use` flag by putting the ledger right (the domain rules: stock
//! never silently goes negative, and the usage record on each order stays as it is). The
//! storekeeper or a supervisor picks one of three movements: a late issue recorded to the
//! van from a warehouse, a transfer from another location, or a count adjustment with its
//! reason. The flag's resolution records which (`choice` is [`OverUseFix::as_str`]). No
//! storage: the server records the movement and resolves the flag in one transaction.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::ids::{LocationId, OrderId, RecordId};
use crate::records::catalog::{Location, LocationKind};
use crate::role::Role;

/// The movement that settles an over-use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OverUseFix {
    /// The parts did leave a warehouse for the van, and the issue (发放) was not recorded:
    /// it is recorded now.
    LateIssue {
        /// The warehouse they came from.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        from: LocationId,
        /// Units.
        quantity: u32,
        /// Serials, for a serialized part.
        #[serde(default)]
        serials: Vec<String>,
    },
    /// The parts came from another location (another van, another warehouse).
    Transfer {
        /// Where from.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        from: LocationId,
        /// Units.
        quantity: u32,
        /// Serials, for a serialized part.
        #[serde(default)]
        serials: Vec<String>,
    },
    /// The book was wrong: a count adjustment (盘盈) at the location, signed, with the
    /// resolution's note as its reason.
    CountAdjustment {
        /// Units added to the book (a shortage adjustment would be negative).
        quantity: i64,
    },
}

impl OverUseFix {
    /// The stable name recorded as the flag resolution's `choice`.
    pub fn as_str(&self) -> &'static str {
        match self {
            OverUseFix::LateIssue { .. } => "late_issue",
            OverUseFix::Transfer { .. } => "transfer",
            OverUseFix::CountAdjustment { .. } => "count_adjustment",
        }
    }

    /// Checks the fix against the location that went below zero (`at`) and the one the
    /// parts come from (`from`, for an issue or a transfer), and the note.
    pub fn check(
        &self,
        role: Role,
        at: &Location,
        from: Option<&Location>,
        note: &str,
    ) -> Result<(), OverUseError> {
        if !matches!(role, Role::Storekeeper | Role::Supervisor) {
            return Err(OverUseError::NotPermitted { role });
        }
        if note.trim().is_empty() {
            return Err(OverUseError::NoteMissing);
        }
        match self {
            OverUseFix::LateIssue { quantity, .. } | OverUseFix::Transfer { quantity, .. } => {
                if *quantity == 0 {
                    return Err(OverUseError::BadQuantity);
                }
                let Some(from) = from else {
                    return Err(OverUseError::SameLocation);
                };
                if from.id == at.id {
                    return Err(OverUseError::SameLocation);
                }
                if at.kind != LocationKind::Van {
                    return Err(OverUseError::NotAVan {
                        location: at.name.clone(),
                    });
                }
                if matches!(self, OverUseFix::LateIssue { .. })
                    && from.kind != LocationKind::Warehouse
                {
                    return Err(OverUseError::NotAWarehouse {
                        location: from.name.clone(),
                    });
                }
            }
            OverUseFix::CountAdjustment { quantity } => {
                if *quantity == 0 {
                    return Err(OverUseError::BadQuantity);
                }
            }
        }
        Ok(())
    }
}

/// The storekeeper's resolution of one over-use flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverUseResolution {
    /// Picked by the desk: the movement's (or transfer's) id, so a retry records it once.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: Uuid,
    /// The order carrying the flag.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub order: OrderId,
    /// The flag.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub flag: RecordId,
    /// What puts the ledger right.
    pub fix: OverUseFix,
    /// What was found, in words: the flag's resolution note and the movement's reason.
    pub note: String,
}

/// Why a fix is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverUseError {
    /// Not a storekeeper or supervisor.
    #[error("a {role} may not resolve stock over-use")]
    NotPermitted {
        /// Who tried.
        role: Role,
    },
    /// The flag is not an open negative-balance over-use (a serial fitted twice is not
    /// settled by moving stock).
    #[error("the flag is not an open stock shortage")]
    NotAShortage,
    /// No note.
    #[error("say what was found")]
    NoteMissing,
    /// A quantity of zero.
    #[error("the quantity must not be zero")]
    BadQuantity,
    /// From the location that is short.
    #[error("the parts must come from another location")]
    SameLocation,
    /// An issue or transfer to something other than a van.
    #[error("{location} is not a van")]
    NotAVan {
        /// The location's name.
        location: String,
    },
    /// A late issue from something other than a warehouse.
    #[error("{location} is not a warehouse")]
    NotAWarehouse {
        /// The location's name.
        location: String,
    },
}

impl OverUseError {
    /// The stable i18n key.
    pub fn code(&self) -> &'static str {
        match self {
            OverUseError::NotPermitted { .. } => "errors.over_use.not_permitted",
            OverUseError::NotAShortage => "errors.over_use.not_a_shortage",
            OverUseError::NoteMissing => "errors.over_use.note_missing",
            OverUseError::BadQuantity => "errors.over_use.bad_quantity",
            OverUseError::SameLocation => "errors.over_use.same_location",
            OverUseError::NotAVan { .. } => "errors.stock.not_a_van",
            OverUseError::NotAWarehouse { .. } => "errors.stock.not_a_warehouse",
        }
    }

    /// The values the translated message names.
    pub fn details(&self) -> Map<String, Value> {
        let mut m = Map::new();
        match self {
            OverUseError::NotPermitted { role } => {
                m.insert("role".into(), role.as_str().into());
            }
            OverUseError::NotAVan { location } | OverUseError::NotAWarehouse { location } => {
                m.insert("location".into(), location.clone().into());
            }
            _ => {}
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::uuid;
    use crate::ids::UserId;

    fn loc(seed: u128, kind: LocationKind) -> Location {
        Location {
            id: LocationId(uuid(seed)),
            name: format!("L{seed}"),
            kind,
            holder: (kind == LocationKind::Van).then(|| UserId(uuid(2))),
        }
    }

    #[test]
    fn each_fix_is_checked_against_where_the_parts_come_from() {
        let van = loc(10, LocationKind::Van);
        let other_van = loc(12, LocationKind::Van);
        let wh = loc(11, LocationKind::Warehouse);
        let issue = OverUseFix::LateIssue {
            from: wh.id,
            quantity: 1,
            serials: vec![],
        };
        assert_eq!(
            issue.check(Role::Storekeeper, &van, Some(&wh), "found"),
            Ok(())
        );
        assert_eq!(issue.as_str(), "late_issue");
        assert_eq!(
            issue
                .check(Role::Dispatcher, &van, Some(&wh), "found")
                .unwrap_err()
                .code(),
            "errors.over_use.not_permitted"
        );
        assert_eq!(
            issue.check(Role::Storekeeper, &van, Some(&wh), " "),
            Err(OverUseError::NoteMissing)
        );
        assert_eq!(
            issue
                .check(Role::Storekeeper, &van, Some(&other_van), "x")
                .unwrap_err()
                .code(),
            "errors.stock.not_a_warehouse",
            "an issue comes from a warehouse"
        );
        let transfer = OverUseFix::Transfer {
            from: other_van.id,
            quantity: 1,
            serials: vec![],
        };
        assert_eq!(
            transfer.check(Role::Supervisor, &van, Some(&other_van), "x"),
            Ok(())
        );
        assert_eq!(
            transfer.check(Role::Supervisor, &van, Some(&van), "x"),
            Err(OverUseError::SameLocation)
        );
        let adjust = OverUseFix::CountAdjustment { quantity: 0 };
        assert_eq!(
            adjust.check(Role::Storekeeper, &van, None, "x"),
            Err(OverUseError::BadQuantity)
        );
        assert_eq!(
            OverUseFix::CountAdjustment { quantity: 1 }.check(Role::Storekeeper, &van, None, "x"),
            Ok(())
        );
    }
}
