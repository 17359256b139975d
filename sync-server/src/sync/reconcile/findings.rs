//! The findings about one merged order itself: concurrent values that need a decision,
//! a void sign-off, and SLA clocks at risk or breached.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use onsite_core::doc::conflicts::as_choice;
use onsite_core::doc::order::OrderDoc;
use onsite_core::records::order::FlagKind;
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
    let mut by_field: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in found.iter().filter(|c| c.field.needs_decision()) {
        let field = c
            .path
            .split(['.', '['])
            .next()
            .unwrap_or(&c.path)
            .to_string();
        let values: Vec<String> = c.values.iter().map(|v| as_choice(v)).collect();
        by_field
            .entry(field)
            .or_default()
            .push(format!("{}: {}", c.path, values.join(" / ")));
    }
    for (field, lines) in by_field {
        p.findings.push(Finding {
            kind: FlagKind::Conflict,
            detail: format!(
                "Changed at the same time on two devices; choose the value to keep. {}",
                lines.join("; ")
            ),
            subject: field,
            cover: Cover::OpenOnly,
        });
    }

    if let (true, Some(signed)) = (signoff::is_void(order), &order.sign_off) {
        p.findings.push(Finding {
            kind: FlagKind::SignOffVoid,
            subject: "sign_off".into(),
            detail: format!(
                "{} signed at {}; the work, parts or fee changed since, so the signature no longer covers the order (rule 10).",
                signed.signer,
                signed.at.format("%Y-%m-%d %H:%M UTC")
            ),
            cover: Cover::Since(signed.at.min(now)),
        });
    }

    let clocks = sla::order_clocks(order, settings, calendar);
    let mut at_risk_now = BTreeSet::new();
    for clock in &clocks {
        let state = clock.evaluate(now);
        let name = clock_name(clock.kind);
        let (kind, words) = match state.status {
            SlaStatus::Breached => (FlagKind::SlaBreached, "was due"),
            SlaStatus::AtRisk => {
                at_risk_now.insert(name.clone());
                (FlagKind::SlaAtRisk, "is due")
            }
            SlaStatus::Met | SlaStatus::Paused => continue,
        };
        p.findings.push(Finding {
            kind,
            detail: format!(
                "The {} clock {words} at {}.",
                name.replace('_', " "),
                state.deadline.format("%Y-%m-%d %H:%M UTC")
            ),
            subject: name,
            cover: Cover::Since(clock.start.min(now)),
        });
    }
    for flag in order.open_flags() {
        if flag.kind != FlagKind::SlaAtRisk || at_risk_now.contains(&flag.subject) {
            continue;
        }
        let status = clocks
            .iter()
            .find(|c| clock_name(c.kind) == flag.subject)
            .map(|c| c.evaluate(now).status);
        let (note, choice) = match status {
            Some(SlaStatus::Breached) => (
                "The clock is now breached; see the breach flag.",
                "breached",
            ),
            Some(SlaStatus::Paused) => ("The clock is paused, waiting for the customer.", "paused"),
            Some(_) => ("The clock is no longer at risk.", "met"),
            None => ("The clock no longer runs on this order.", "stopped"),
        };
        p.withdraw
            .push((flag.id, note.to_string(), choice.to_string()));
    }
}

/// The clock's stable snake_case name (`contact_after_dispatch`), as the UI keys it.
pub(super) fn clock_name(kind: sla::ClockKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}
