//! Typed UUID v7 identifiers for every record. Ids are made by the caller from a given
//! instant (the crate never reads the clock), so v7's time ordering follows the event.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A UUID v7 for the instant `at`; the random bits keep ids made in the same
/// millisecond on different devices apart.
pub fn uuid_v7_at(at: DateTime<Utc>) -> Uuid {
    let secs = at.timestamp().max(0) as u64;
    let nanos = at.timestamp_subsec_nanos();
    Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos))
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            Serialize, Deserialize, Reconcile,
        )]
        #[serde(transparent)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh v7 id stamped with `at`.
            pub fn new_at(at: DateTime<Utc>) -> Self {
                Self(uuid_v7_at(at))
            }
        }

        // Written by hand: the derived newtype impl only overrides `hydrate`, and
        // `Option<Id>` hydrates through `hydrate_bytes`.
        impl Hydrate for $name {
            fn hydrate_bytes(bytes: &[u8]) -> Result<Self, autosurgeon::HydrateError> {
                Uuid::hydrate_bytes(bytes).map(Self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A repair order (维修工单); also the id of its Automerge document.
    OrderId
);
id_type!(
    /// A service request (服务工单) taken at intake.
    RequestId
);
id_type!(
    /// A complaint (投诉); also the id of its Automerge document.
    ComplaintId
);
id_type!(
    /// A parts requisition (领用申请); also the id of its Automerge document.
    RequisitionId
);
id_type!(
    /// A user of Onsite (staff, never the customer).
    UserId
);
id_type!(
    /// A customer (客户).
    CustomerId
);
id_type!(
    /// A parts catalog entry (备件).
    PartId
);
id_type!(
    /// A stock location: the warehouse or one technician's van.
    LocationId
);
id_type!(
    /// One entry of a keyed list inside a document (a contact attempt, a part line, a
    /// step…). Stable ids are what let concurrent inserts and removals merge.
    RecordId
);
id_type!(
    /// One stock movement in the ledger.
    MovementId
);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_are_v7_and_ordered_by_the_given_instant() {
        let early = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let late = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        let a = OrderId::new_at(early);
        let b = OrderId::new_at(late);
        assert_eq!(a.0.get_version_num(), 7, "ids are UUID v7");
        assert!(a < b, "a v7 id made later sorts later");
    }
}
