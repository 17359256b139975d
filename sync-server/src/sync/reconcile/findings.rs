//! The findings about one merged order itself: concurrent values that need a decision,
//! a void sign-off, and SLA clocks at risk or breached.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use onsite_core::doc::conflicts::as_choice;
use onsite_core::doc::order::OrderDoc;
use onsite_core::records::order::{ConflictValues, Flag, FlagKind, FlagParams};
use onsite_core::sla::{self, SlaStatus};
use onsite_core::{signoff, CompanyRules};

use super::{Cover, Finding, Pending};

/// Findings about one merged order itself: conflicts, a void sign-off, SLA clocks.
pub(super) fn order_findings(
    order: &OrderDoc,
    found: &[onsite_core::doc::conflicts::Conflict],
    rules: &CompanyRules,
    now: DateTime<Utc>,
    p: &mut Pending,
) {
    // The order's own settings version: its clocks keep the rules they started under.
    let settings = &rules.for_order_doc(order).settings;
    let calendar = &rules.calendar;
    // One conflict flag per top-level field, listing every path in it.
    let mut by_field: BTreeMap<String, Vec<ConflictValues>> = BTreeMap::new();
    for c in found.iter().filter(|c| c.field.needs_decision()) {
        let field = c
            .path
            .split(['.', '['])
            .next()
            .unwrap_or(&c.path)
            .to_string();
        let values: Vec<String> = c.values.iter().map(|v| as_choice(v)).collect();
        by_field.entry(field).or_default().push(ConflictValues {
            path: c.path.clone(),
            values,
        });
    }
    for (field, values) in by_field {
        p.findings.push(Finding {
            kind: FlagKind::Conflict,
            params: FlagParams::Conflict { values },
            subject: field,
            cover: Cover::OpenOnly,
        });
    }

    if let (true, Some(signed)) = (signoff::is_void(order), &order.sign_off) {
        p.findings.push(Finding {
            kind: FlagKind::SignOffVoid,
            subject: "sign_off".into(),
            params: FlagParams::SignOffVoid {
                signer: signed.signer.clone(),
                signed_at: signed.at,
            },
            cover: Cover::Since(signed.at.min(now)),
        });
    }

    let clocks = sla::order_clocks(order, settings, calendar);
    clock_findings(&clocks, order.open_flags(), now, p);
}

/// The at-risk and breached findings of `clocks` at `now`, and the server's own at-risk
/// flags among `open` to withdraw because their clock is no longer at risk: for an
/// order's clocks and a complaint's alike.
pub(super) fn clock_findings<'a>(
    clocks: &[sla::Clock],
    open: impl Iterator<Item = &'a Flag>,
    now: DateTime<Utc>,
    p: &mut Pending,
) {
    let mut at_risk_now = BTreeSet::new();
    for clock in clocks {
        let state = clock.evaluate(now);
        let name = clock_name(clock.kind);
        let kind = match state.status {
            SlaStatus::Breached => FlagKind::SlaBreached,
            SlaStatus::AtRisk => {
                at_risk_now.insert(name.clone());
                FlagKind::SlaAtRisk
            }
            SlaStatus::Met | SlaStatus::Paused => continue,
        };
        p.findings.push(Finding {
            kind,
            params: FlagParams::SlaClock {
                clock: name.clone(),
                deadline: state.deadline,
            },
            subject: name,
            cover: Cover::Since(clock.start.min(now)),
        });
    }
    for flag in open {
        if flag.kind != FlagKind::SlaAtRisk || at_risk_now.contains(&flag.subject) {
            continue;
        }
        let status = clocks
            .iter()
            .find(|c| clock_name(c.kind) == flag.subject)
            .map(|c| c.evaluate(now).status);
        // The choice is the withdrawal's code, which the UI words
        // (`flags.withdrawn.<choice>`); the note, a person's words elsewhere, stays empty.
        let choice = match status {
            Some(SlaStatus::Breached) => "breached",
            Some(SlaStatus::Paused) => "paused",
            Some(_) => "met",
            None => "stopped",
        };
        p.withdraw
            .push((flag.id, String::new(), choice.to_string()));
    }
}

/// The clock's stable snake_case name (`contact_after_dispatch`), as the UI keys it.
pub(super) fn clock_name(kind: sla::ClockKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}
