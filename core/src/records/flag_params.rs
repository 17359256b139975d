//! What a server-written flag found, as data: the values a person's language puts into
//! words (`flags.params.<about>` in the UI's locales), never prose. A flag written before
//! flags carried these has none and keeps its `detail` text.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::LocationId;
use crate::role::Role;

/// One finding behind a flag. A flag usually has one; findings of one kind and subject
/// found in the same pass (a negative balance and a serial fitted twice, for the same
/// part) share a flag and each keep their own entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "about", rename_all = "snake_case")]
pub enum FlagParams {
    /// Usage took a van or warehouse below zero.
    StockBelowZero {
        /// The part's number.
        part_number: String,
        /// Where.
        location: LocationId,
        /// Its name in the reference data, when it has one.
        location_name: Option<String>,
        /// The book balance after the uses.
        balance: i64,
        /// The order numbers whose uses took it there.
        orders: Vec<String>,
    },
    /// One serial recorded as fitted on more than one order.
    SerialFittedTwice {
        /// The part's number.
        part_number: String,
        /// The serial.
        serial: String,
        /// The order numbers it is recorded on.
        orders: Vec<String>,
    },
    /// Values written at the same time on two devices, one entry per path in the field.
    Conflict {
        /// Each path and the values it holds, as the choice a supervisor would keep.
        values: Vec<ConflictValues>,
    },
    /// The work, parts or fee changed after the customer signed (rule 10).
    SignOffVoid {
        /// Who signed.
        signer: String,
        /// When.
        #[autosurgeon(with = "crate::doc::am::time")]
        signed_at: DateTime<Utc>,
    },
    /// An SLA clock at risk or past its deadline (the flag's kind says which).
    SlaClock {
        /// The clock's snake_case name (`contact_after_dispatch`).
        clock: String,
        /// Its deadline.
        #[autosurgeon(with = "crate::doc::am::time")]
        deadline: DateTime<Utc>,
    },
    /// A change to the order was held in quarantine.
    Held {
        /// Why, in a word the UI translates.
        reason: HeldReason,
        /// The quarantine code as the review gave it.
        code: String,
        /// The pusher's role.
        role: Role,
        /// The pusher's name.
        by: String,
        /// The device it came from.
        device: String,
    },
}

/// One path of a conflict and its concurrent values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConflictValues {
    /// The path (`state`, `schedule.start`).
    pub path: String,
    /// The values, each as the choice that keeps it.
    pub values: Vec<String>,
}

/// Why the server held a change, as far as a flag says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HeldReason {
    /// The pusher's role may not change what the change changed.
    MayNotChange,
    /// The change names someone else as its author.
    ForgedAuthor,
    /// The order is not assigned to the pushing technician.
    NotAssigned,
    /// The document could not be read after merging.
    Unreadable,
    /// A code this build has no word for; the code is in the params.
    Other,
}

impl HeldReason {
    /// Every reason.
    pub const ALL: [HeldReason; 5] = [
        HeldReason::MayNotChange,
        HeldReason::ForgedAuthor,
        HeldReason::NotAssigned,
        HeldReason::Unreadable,
        HeldReason::Other,
    ];

    /// The reason a quarantine `code` given to a push by `role` stands for. The review
    /// writes `<role>_may_not_change` for a change the role may not make.
    pub fn of_code(code: &str, role: Role) -> HeldReason {
        let role_name = match serde_json::to_value(role) {
            Ok(serde_json::Value::String(name)) => name,
            _ => String::new(),
        };
        match code {
            "forged_author" => HeldReason::ForgedAuthor,
            "not_assigned" => HeldReason::NotAssigned,
            "unreadable" => HeldReason::Unreadable,
            c if !role_name.is_empty() && c == format!("{role_name}_may_not_change") => {
                HeldReason::MayNotChange
            }
            _ => HeldReason::Other,
        }
    }

    /// Stable snake_case name (i18n key suffix `flags.held.<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            HeldReason::MayNotChange => "may_not_change",
            HeldReason::ForgedAuthor => "forged_author",
            HeldReason::NotAssigned => "not_assigned",
            HeldReason::Unreadable => "unreadable",
            HeldReason::Other => "other",
        }
    }
}

impl FlagParams {
    /// Stable snake_case name of the variant (i18n key suffix `flags.params.<about>`).
    pub fn about(&self) -> &'static str {
        match self {
            FlagParams::StockBelowZero { .. } => "stock_below_zero",
            FlagParams::SerialFittedTwice { .. } => "serial_fitted_twice",
            FlagParams::Conflict { .. } => "conflict",
            FlagParams::SignOffVoid { .. } => "sign_off_void",
            FlagParams::SlaClock { .. } => "sla_clock",
            FlagParams::Held { .. } => "held",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::order::OrderDoc;
    use crate::fixtures::{t0, uuid, Scenario};
    use crate::ids::RecordId;
    use crate::records::order::{Flag, FlagKind};
    use crate::records::request::ServiceMode;

    type R = Result<(), Box<dyn std::error::Error>>;

    fn every_params() -> Vec<FlagParams> {
        vec![
            FlagParams::StockBelowZero {
                part_number: "BELT-8".into(),
                location: LocationId(uuid(10)),
                location_name: Some("Van 3".into()),
                balance: -1,
                orders: vec!["WO-1".into(), "WO-2".into()],
            },
            FlagParams::SerialFittedTwice {
                part_number: "PUMP-2".into(),
                serial: "SN-1".into(),
                orders: vec!["WO-1".into()],
            },
            FlagParams::Conflict {
                values: vec![ConflictValues {
                    path: "state".into(),
                    values: vec!["cancelled".into(), "signed_off".into()],
                }],
            },
            FlagParams::SignOffVoid {
                signer: "王芳".into(),
                signed_at: t0(),
            },
            FlagParams::SlaClock {
                clock: "contact_after_dispatch".into(),
                deadline: t0(),
            },
            FlagParams::Held {
                reason: HeldReason::MayNotChange,
                code: "technician_may_not_change".into(),
                role: Role::Technician,
                by: "李师傅".into(),
                device: "dev-1".into(),
            },
        ]
    }

    #[test]
    fn params_serialise_with_their_about_tag_as_the_ui_reads_them() -> R {
        for p in every_params() {
            let json = serde_json::to_value(&p)?;
            assert_eq!(json["about"], p.about(), "the tag is the i18n key suffix");
            let back: FlagParams = serde_json::from_value(json)?;
            assert_eq!(back, p);
        }
        let held = serde_json::to_value(&every_params()[5])?;
        assert_eq!(held["reason"], "may_not_change");
        assert_eq!(held["role"], "technician");
        Ok(())
    }

    #[test]
    fn a_flag_keeps_its_params_through_the_order_document() -> R {
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.order.flags.push(Flag {
            id: RecordId::new_at(s.now),
            kind: FlagKind::StockOverUse,
            subject: "BELT-8".into(),
            detail: String::new(),
            params: every_params(),
            for_role: Role::Storekeeper,
            raised_at: s.now,
            resolution: None,
        });
        let mut doc = automerge::AutoCommit::new();
        autosurgeon::reconcile(&mut doc, &s.order)?;
        let back: OrderDoc = autosurgeon::hydrate(&doc)?;
        assert_eq!(
            back.flags, s.order.flags,
            "every kind of params survives Automerge"
        );
        Ok(())
    }

    #[test]
    fn a_flag_stored_before_params_existed_reads_with_none_and_keeps_its_detail() -> R {
        use automerge::transaction::Transactable as _;
        use automerge::{ObjType, ReadDoc as _, Value};
        let mut s = Scenario::new(ServiceMode::OnSite, false);
        s.order.flags.push(Flag {
            id: RecordId::new_at(s.now),
            kind: FlagKind::SignOffVoid,
            subject: "sign_off".into(),
            detail: "王芳 signed at 2026-03-02 10:00 UTC; the work changed since.".into(),
            params: vec![],
            for_role: Role::Supervisor,
            raised_at: s.now,
            resolution: None,
        });
        let mut doc = automerge::AutoCommit::new();
        autosurgeon::reconcile(&mut doc, &s.order)?;
        // The shape an older server wrote: no `params` key in the flag at all.
        let Some((Value::Object(ObjType::List), flags)) = doc.get(automerge::ROOT, "flags")? else {
            return Err("no flags list".into());
        };
        let Some((Value::Object(ObjType::Map), flag)) = doc.get(&flags, 0)? else {
            return Err("no flag".into());
        };
        doc.delete(&flag, "params")?;
        assert!(doc.get(&flag, "params")?.is_none());
        let back: OrderDoc = autosurgeon::hydrate(&doc)?;
        assert!(back.flags[0].params.is_empty());
        assert_eq!(
            back.flags[0].detail, s.order.flags[0].detail,
            "the old prose still shows"
        );
        let json: Flag = serde_json::from_value(serde_json::json!({
            "id": back.flags[0].id, "kind": "sign_off_void", "subject": "sign_off",
            "detail": "old", "for_role": "supervisor", "raised_at": s.now, "resolution": null,
        }))?;
        assert!(json.params.is_empty(), "JSON without params reads too");
        Ok(())
    }

    #[test]
    fn a_held_code_reads_as_its_reason() {
        let tech = Role::Technician;
        assert_eq!(
            HeldReason::of_code("technician_may_not_change", tech),
            HeldReason::MayNotChange
        );
        assert_eq!(
            HeldReason::of_code("dispatcher_may_not_change", tech),
            HeldReason::Other,
            "only the pusher's own role"
        );
        assert_eq!(
            HeldReason::of_code("forged_author", tech),
            HeldReason::ForgedAuthor
        );
        assert_eq!(
            HeldReason::of_code("not_assigned", tech),
            HeldReason::NotAssigned
        );
        assert_eq!(
            HeldReason::of_code("unreadable", tech),
            HeldReason::Unreadable
        );
        assert_eq!(HeldReason::of_code("new_code", tech), HeldReason::Other);
        for r in HeldReason::ALL {
            assert_eq!(serde_json::to_value(r).ok(), Some(r.as_str().into()));
        }
    }
}
