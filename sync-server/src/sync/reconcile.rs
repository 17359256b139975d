//! Reconciliation: what the central office adds after a push is merged. The server
//! applies the business rules to the merged documents and writes what it finds back into
//! the order documents as flags, as its own Automerge actor, so every device receives
//! them on its next pull like any other change:
//!
//! - **stock over-use**: the server-wide ledger (every order's part use and every
//!   requisition's issue and return, indexed in `ledger_movements`) going below zero at
//!   a van or warehouse because of usage, or a serial used twice → `stock_over_use` on
//!   the orders involved, for the storekeeper. The usage records stay as they are.
//! - **conflicts** on the fields the rules care about → `conflict`, for a supervisor.
//! - **void sign-off** → `sign_off_void`, for a supervisor.
//! - **SLA clocks** at risk or breached at the server's now → `sla_at_risk` (dispatcher)
//!   and `sla_breached` (supervisor).
//! - **quarantined changes** to an order the office holds → `quarantined`, for a
//!   supervisor.
//!
//! Idempotent: a finding is never raised while a flag of the same kind and subject is
//! open on the order, and a flag a person resolved keeps covering the finding it was
//! raised for (see [`Cover`]). The only flags the server settles itself are its SLA
//! at-risk flags, withdrawn once the clock is no longer at risk: an at-risk warning that
//! outlived its clock would only hide the live ones, while a breach is a fact a person
//! must review.

use std::collections::{BTreeMap, BTreeSet};

use automerge::AutoCommit;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use onsite_core::doc::conflicts::{as_choice, decision_conflicts};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::doc::requisition::RequisitionDoc;
use onsite_core::ids::{LocationId, MovementId, PartId, RecordId};
use onsite_core::ops::{self, SERVER_USER};
use onsite_core::records::order::{Flag, FlagKind};
use onsite_core::sla::{self, SlaStatus};
use onsite_core::stock::{Ledger, Movement, MovementKind, OverUse};
use onsite_core::{signoff, Calendar, Settings};

use super::docs::{self, StoredDoc};
use super::policy::server_actor;
use super::protocol::{DocKind, PushResult};
use crate::devices::Principal;
use crate::error::ApiError;

/// `server_meta` key: the documents.seq up to which `ledger_movements` and `flag_index`
/// are up to date.
const INDEX_SEQ_KEY: &str = "reconcile.index_seq";

/// What one reconciliation pass wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Flags raised.
    pub raised: usize,
    /// SLA at-risk flags withdrawn because the clock recovered or breached.
    pub withdrawn: usize,
}

/// When an earlier flag of the same kind and subject covers a finding, so that it is
/// not raised again. An open flag always covers it.
#[derive(Debug, Clone, Copy)]
enum Cover {
    /// Only an open flag: a resolved conflict or quarantine that is present again is a
    /// new one (resolving a conflict ends it).
    OpenOnly,
    /// Also a flag a person resolved, if it was raised at or after this instant: the
    /// finding is a lasting condition (a negative balance, a void signature, a breached
    /// clock) that resolving does not undo, and it started then.
    Since(DateTime<Utc>),
}

/// A finding to record on one order.
#[derive(Debug, Clone)]
struct Finding {
    kind: FlagKind,
    subject: String,
    detail: String,
    cover: Cover,
}

/// What to write into one order.
#[derive(Default)]
struct Pending {
    findings: Vec<Finding>,
    /// Open at-risk flags to withdraw, with the note saying why.
    withdraw: Vec<(RecordId, String, String)>,
}

/// Evaluates the rules after `results` were merged for the pushes of `who` and writes
/// the flags found. Called once per sync round trip, inside its transaction, after every
/// push was merged and before the pull, so the pushing device receives its flags in the
/// same response. A document that cannot be read is skipped with a warning: the merge it
/// follows has already been accepted and must not be undone by a finding.
#[tracing::instrument(skip_all, fields(device = %who.device_id, pushed = results.len()))]
pub fn after_push(
    tx: &Connection,
    who: &Principal,
    results: &[PushResult],
    now: DateTime<Utc>,
) -> Result<Report, ApiError> {
    // The server keeps no per-company settings yet: clocks run on the defaults, the same
    // figures the devices use.
    let (settings, calendar) = (Settings::default(), Calendar::default());
    let mut pending: BTreeMap<String, Pending> = BTreeMap::new();
    let mut merged: BTreeSet<String> = BTreeSet::new();
    for result in results {
        match result {
            PushResult::Accepted { doc_id } => {
                merged.insert(doc_id.clone());
            }
            PushResult::Quarantined {
                doc_id,
                code,
                reason,
            } => {
                merged.insert(doc_id.clone());
                pending
                    .entry(doc_id.clone())
                    .or_default()
                    .findings
                    .push(Finding {
                        kind: FlagKind::Quarantined,
                        subject: code.clone(),
                        detail: format!(
                            "{reason} (by {} on device {})",
                            who.account.name, who.device_id
                        ),
                        cover: Cover::OpenOnly,
                    });
            }
            PushResult::Rejected { .. } => {}
        }
    }
    if merged.is_empty() {
        return Ok(Report::default());
    }

    let (touched, mut orders) = refresh_index(tx, &merged)?;
    stock_findings(tx, &touched, now, &mut pending)?;
    for (doc_id, m) in &orders {
        let p = pending.entry(doc_id.clone()).or_default();
        order_findings(&m.order, &m.conflicts, &settings, &calendar, now, p);
    }
    let mut report = Report::default();
    for (doc_id, mut p) in pending {
        let (mut stored, order) = match orders.remove(&doc_id) {
            Some(m) => (m.stored, m.order),
            None => {
                // An order involved in an over-use, or a quarantined push: most findings
                // are already flagged, which the index tells without loading the order.
                // (A failed lookup only means loading the order to check.)
                p.findings
                    .retain(|f| !indexed_cover(tx, &doc_id, f).unwrap_or(false));
                if p.findings.is_empty() {
                    continue;
                }
                let Some(stored) = docs::load(tx, &doc_id)? else {
                    // A quarantined change to an order the office never had.
                    continue;
                };
                if stored.kind != DocKind::Order {
                    continue;
                }
                match ops::hydrate::<OrderDoc>(&stored.doc) {
                    Ok(order) => (stored, order),
                    Err(e) => {
                        tracing::warn!(doc = %doc_id, error = %e, "reconciliation skipped an unreadable order");
                        continue;
                    }
                }
            }
        };
        if let Some(order) = write(tx, &mut stored, order, p, now, &mut report)? {
            index_flags(tx, &doc_id, &order)?;
        }
    }
    // Flags never move stock, and the flags just written were indexed as they were
    // written, so everything saved so far is indexed.
    set_index_seq(tx, docs::latest_seq(tx)?)?;
    if report.raised + report.withdrawn > 0 {
        tracing::info!(
            raised = report.raised,
            withdrawn = report.withdrawn,
            "reconciliation wrote flags"
        );
    }
    Ok(report)
}

/// Findings about one merged order itself: conflicts, a void sign-off, SLA clocks.
fn order_findings(
    order: &OrderDoc,
    found: &[onsite_core::doc::conflicts::Conflict],
    settings: &Settings,
    calendar: &Calendar,
    now: DateTime<Utc>,
    p: &mut Pending,
) {
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
        let state = clock.evaluate(now, settings.at_risk_percent);
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
            .map(|c| c.evaluate(now, settings.at_risk_percent).status);
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

/// How an earlier flag stands, as far as covering a finding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Open,
    /// Resolved by a person.
    Resolved,
    /// Withdrawn by the server (an at-risk clock that recovered).
    Withdrawn,
}

impl Standing {
    fn of(flag: &Flag) -> Self {
        match &flag.resolution {
            None => Standing::Open,
            Some(r) if r.by == SERVER_USER => Standing::Withdrawn,
            Some(_) => Standing::Resolved,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Standing::Open => "open",
            Standing::Resolved => "resolved",
            Standing::Withdrawn => "withdrawn",
        }
    }

    /// True when a flag standing so, raised at `raised_at`, covers a finding.
    fn covers(self, raised_at: DateTime<Utc>, cover: Cover) -> bool {
        match (self, cover) {
            (Standing::Open, _) => true,
            // The server's own withdrawal of an at-risk flag covers nothing: the clock
            // may be at risk again.
            (Standing::Withdrawn, _) | (Standing::Resolved, Cover::OpenOnly) => false,
            (Standing::Resolved, Cover::Since(since)) => raised_at >= since,
        }
    }
}

/// True when an earlier flag on `order` covers `finding` (see [`Cover`]).
fn covered(order: &OrderDoc, finding: &Finding) -> bool {
    order
        .flags
        .iter()
        .filter(|f| f.kind == finding.kind && f.subject == finding.subject)
        .any(|f| Standing::of(f).covers(f.raised_at, finding.cover))
}

/// [`covered`], answered from `flag_index` without loading the order.
fn indexed_cover(tx: &Connection, doc_id: &str, finding: &Finding) -> Result<bool, ApiError> {
    let mut stmt = tx.prepare_cached(
        "SELECT raised_at_ms, standing FROM flag_index WHERE doc_id = ?1 AND kind = ?2 AND subject = ?3",
    )?;
    let rows = stmt
        .query_map((doc_id, finding.kind.as_str(), &finding.subject), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows.into_iter().any(|(ms, standing)| {
        let standing = match standing.as_str() {
            "open" => Standing::Open,
            "resolved" => Standing::Resolved,
            _ => Standing::Withdrawn,
        };
        DateTime::from_timestamp_millis(ms).is_some_and(|at| standing.covers(at, finding.cover))
    }))
}

/// Replaces the order's rows in `flag_index`.
fn index_flags(tx: &Connection, doc_id: &str, order: &OrderDoc) -> Result<(), ApiError> {
    tx.prepare_cached("DELETE FROM flag_index WHERE doc_id = ?1")?
        .execute([doc_id])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO flag_index (doc_id, flag_id, kind, subject, raised_at_ms, standing)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for f in &order.flags {
        insert.execute((
            doc_id,
            f.id.to_string(),
            f.kind.as_str(),
            &f.subject,
            f.raised_at.timestamp_millis(),
            Standing::of(f).as_str(),
        ))?;
    }
    Ok(())
}

/// Writes the pending flags into one order (`order` is `stored` hydrated) as server
/// changes and saves it once. Returns the order as written, if anything was.
fn write(
    tx: &Connection,
    stored: &mut StoredDoc,
    mut order: OrderDoc,
    pending: Pending,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<Option<OrderDoc>, ApiError> {
    stored.doc.set_actor(server_actor());
    let mut changed = false;
    // Several findings of one kind and subject (a negative balance and a serial used
    // twice, for the same part) become one flag with both details.
    let mut merged: Vec<Finding> = Vec::new();
    for f in pending.findings {
        match merged
            .iter_mut()
            .find(|m| m.kind == f.kind && m.subject == f.subject)
        {
            Some(m) if !m.detail.contains(&f.detail) => {
                m.detail = format!("{} {}", m.detail, f.detail)
            }
            Some(_) => {}
            None => merged.push(f),
        }
    }
    for finding in merged {
        if covered(&order, &finding) {
            continue;
        }
        let flag = Flag {
            id: RecordId::new_at(now),
            kind: finding.kind,
            subject: finding.subject,
            detail: finding.detail,
            for_role: finding.kind.raised_for(),
            raised_at: now,
            resolution: None,
        };
        if let Some(next) = apply(&mut stored.doc, &OrderOp::RaiseFlag { flag }, now) {
            order = next;
            changed = true;
            report.raised += 1;
            metrics::counter!("onsite_flags_raised_total", "kind" => finding.kind.as_str())
                .increment(1);
        }
    }
    for (id, note, choice) in pending.withdraw {
        let op = OrderOp::ResolveFlag {
            id,
            note,
            choice: Some(choice),
        };
        if let Some(next) = apply(&mut stored.doc, &op, now) {
            order = next;
            changed = true;
            report.withdrawn += 1;
            metrics::counter!("onsite_flags_withdrawn_total", "kind" => "sla_at_risk").increment(1);
        }
    }
    if !changed {
        return Ok(None);
    }
    docs::save(tx, stored)?;
    Ok(Some(order))
}

/// Applies one server op, logging instead of failing when the rules refuse it.
fn apply(doc: &mut AutoCommit, op: &OrderOp, now: DateTime<Utc>) -> Option<OrderDoc> {
    match ops::apply_as_server(doc, op, now) {
        Ok(applied) => Some(applied.doc),
        Err(e) => {
            tracing::warn!(code = e.code(), error = %e, "reconciliation could not write a flag");
            None
        }
    }
}

/// A (part, location) pair whose balance may have changed.
type Pair = (PartId, LocationId);

/// The (part, location) pairs and the fitted serials whose movements changed in this
/// pass: the only places a new over-use can be.
struct Touched {
    pairs: BTreeSet<Pair>,
    serials: BTreeSet<(PartId, String)>,
}

/// A merged order: as stored, hydrated, and its concurrent values.
struct Merged {
    stored: StoredDoc,
    order: OrderDoc,
    conflicts: Vec<onsite_core::doc::conflicts::Conflict>,
}

/// The merged orders, for the per-order rules, by id.
type MergedOrders = BTreeMap<String, Merged>;

/// Brings `ledger_movements` and `flag_index` up to date with every order and
/// requisition saved since the last pass (all of them the first time), and keeps the
/// merged orders loaded on the way.
fn refresh_index(
    tx: &Connection,
    merged: &BTreeSet<String>,
) -> Result<(Touched, MergedOrders), ApiError> {
    let since = index_seq(tx)?;
    let mut stmt = tx.prepare_cached(
        "SELECT id FROM documents WHERE seq > ?1 AND kind IN ('order', 'requisition') ORDER BY seq",
    )?;
    let ids: Vec<String> = stmt
        .query_map([since as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut touched = Touched {
        pairs: BTreeSet::new(),
        serials: BTreeSet::new(),
    };
    let mut orders = MergedOrders::new();
    for id in ids {
        let Some(stored) = docs::load(tx, &id)? else {
            continue;
        };
        let (label, movements) = match stored.kind {
            DocKind::Order => match ops::hydrate::<OrderDoc>(&stored.doc) {
                Ok(order) => {
                    let rows: Vec<(Movement, String)> = order
                        .stock_movements()
                        .into_iter()
                        .zip(order.parts.iter().map(|p| p.part_number.clone()))
                        .collect();
                    let label = order.number.clone();
                    index_flags(tx, &id, &order)?;
                    if merged.contains(&id) {
                        let found = decision_conflicts(&stored.doc);
                        index(tx, &id, &label, &rows, &mut touched)?;
                        orders.insert(
                            id.clone(),
                            Merged {
                                stored,
                                order,
                                conflicts: found,
                            },
                        );
                        continue;
                    }
                    (label, rows)
                }
                Err(e) => {
                    tracing::warn!(doc = %id, error = %e, "ledger skipped an unreadable order");
                    continue;
                }
            },
            DocKind::Requisition => match ops::hydrate::<RequisitionDoc>(&stored.doc) {
                Ok(req) => {
                    let rows = req
                        .stock_movements()
                        .into_iter()
                        .filter_map(|m| {
                            let number = req
                                .lines
                                .iter()
                                .find(|l| l.part == m.part)
                                .map(|l| l.part_number.clone())?;
                            Some((m, number))
                        })
                        .collect();
                    (req.number.clone(), rows)
                }
                Err(e) => {
                    tracing::warn!(doc = %id, error = %e, "ledger skipped an unreadable requisition");
                    continue;
                }
            },
            DocKind::Complaint => continue,
        };
        index(tx, &id, &label, &movements, &mut touched)?;
    }
    Ok((touched, orders))
}

/// Replaces one document's rows in the ledger index.
fn index(
    tx: &Connection,
    doc_id: &str,
    label: &str,
    movements: &[(Movement, String)],
    touched: &mut Touched,
) -> Result<(), ApiError> {
    tx.prepare_cached("DELETE FROM ledger_movements WHERE doc_id = ?1")?
        .execute([doc_id])?;
    tx.prepare_cached("DELETE FROM ledger_serials WHERE doc_id = ?1")?
        .execute([doc_id])?;
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO ledger_movements
            (doc_id, movement_id, doc_label, part, part_number, from_loc, to_loc, kind,
             quantity, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut serial = tx.prepare_cached(
        "INSERT OR IGNORE INTO ledger_serials (part, serial, doc_id, movement_id)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (m, part_number) in movements.iter().filter(|(m, _)| m.kind.moves_stock()) {
        let data = serde_json::to_string(m)
            .map_err(|e| ApiError::internal(format!("encoding a movement: {e}")))?;
        insert.execute((
            doc_id,
            m.id.0.to_string(),
            label,
            m.part.to_string(),
            part_number,
            m.from.map(|l| l.to_string()),
            m.to.map(|l| l.to_string()),
            kind_name(m.kind),
            m.quantity,
            data,
        ))?;
        touched.pairs.extend(m.from.map(|l| (m.part, l)));
        touched.pairs.extend(m.to.map(|l| (m.part, l)));
        if m.kind == MovementKind::Use {
            for s in &m.serials {
                serial.execute((m.part.to_string(), s, doc_id, m.id.0.to_string()))?;
                touched.serials.insert((m.part, s.clone()));
            }
        }
    }
    Ok(())
}

/// One indexed movement with the document it belongs to.
struct Indexed {
    doc_id: String,
    label: String,
    part_number: String,
    movement: Movement,
}

fn read_indexed(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn decode(rows: Vec<(String, String, String, String)>) -> Result<Vec<Indexed>, ApiError> {
    rows.into_iter()
        .map(|(doc_id, label, part_number, data)| {
            let movement = serde_json::from_str(&data)
                .map_err(|e| ApiError::internal(format!("ledger row of {doc_id}: {e}")))?;
            Ok(Indexed {
                doc_id,
                label,
                part_number,
                movement,
            })
        })
        .collect()
}

/// Checks the touched pairs and serials against the server-wide ledger and records an
/// over-use finding on each order involved.
fn stock_findings(
    tx: &Connection,
    touched: &Touched,
    now: DateTime<Utc>,
    pending: &mut BTreeMap<String, Pending>,
) -> Result<(), ApiError> {
    // The book balance in SQL first: most pairs are not below zero, and then nothing of
    // their (possibly long) history needs reading. Movements are unique by id across
    // documents, so summing rows is the ledger's sum.
    let mut balance_of = tx.prepare_cached(
        "SELECT coalesce(sum(CASE
                WHEN kind = 'count_adjustment' THEN
                    CASE WHEN coalesce(to_loc, from_loc) = ?2 THEN quantity ELSE 0 END
                ELSE (CASE WHEN to_loc = ?2 THEN quantity ELSE 0 END)
                   - (CASE WHEN from_loc = ?2 THEN quantity ELSE 0 END)
             END), 0)
         FROM ledger_movements WHERE part = ?1 AND (from_loc = ?2 OR to_loc = ?2)",
    )?;
    let mut by_pair = tx.prepare_cached(
        "SELECT doc_id, doc_label, part_number, data FROM ledger_movements
         WHERE part = ?1 AND (from_loc = ?2 OR to_loc = ?2)",
    )?;
    for (part, location) in &touched.pairs {
        let sum: i64 =
            balance_of.query_row((part.to_string(), location.to_string()), |r| r.get(0))?;
        if sum >= 0 {
            continue;
        }
        let rows = by_pair
            .query_map((part.to_string(), location.to_string()), read_indexed)?
            .collect::<Result<Vec<_>, _>>()?;
        let rows = decode(rows)?;
        let ledger = Ledger::from_movements(rows.iter().map(|r| r.movement.clone()));
        let Some(balance) = ledger.over_use().into_iter().find_map(|o| match o {
            OverUse::NegativeBalance {
                part: p,
                location: l,
                balance,
            } if p == *part && l == *location => Some(balance),
            _ => None,
        }) else {
            continue;
        };
        let involved = uses_since_stock_covered(&rows, *location);
        if involved.is_empty() {
            // Below zero without any usage (issued from a warehouse whose receipts are
            // not in documents): not an over-use by anyone on an order.
            continue;
        }
        let place = location_name(tx, *location);
        let labels: Vec<&str> = unique(involved.iter().map(|r| r.label.as_str()));
        for r in &involved {
            pending
                .entry(r.doc_id.clone())
                .or_default()
                .findings
                .push(Finding {
                    kind: FlagKind::StockOverUse,
                    subject: r.part_number.clone(),
                    detail: format!(
                        "{} at {place}: the book balance is {balance} after the use on {}. The usage records are kept; count the stock and adjust.",
                        r.part_number,
                        labels.join(", ")
                    ),
                    cover: Cover::Since(r.movement.at.min(now)),
                });
        }
    }

    let mut uses_of_serial = tx.prepare_cached(
        "SELECT count(DISTINCT movement_id) FROM ledger_serials WHERE part = ?1 AND serial = ?2",
    )?;
    let mut by_serial = tx.prepare_cached(
        "SELECT m.doc_id, m.doc_label, m.part_number, m.data
         FROM ledger_serials s JOIN ledger_movements m
           ON m.doc_id = s.doc_id AND m.movement_id = s.movement_id
         WHERE s.part = ?1 AND s.serial = ?2",
    )?;
    for (part, serial) in &touched.serials {
        let uses: i64 = uses_of_serial.query_row((part.to_string(), serial), |r| r.get(0))?;
        if uses < 2 {
            continue;
        }
        let rows = by_serial
            .query_map((part.to_string(), serial), read_indexed)?
            .collect::<Result<Vec<_>, _>>()?;
        let rows = decode(rows)?;
        let ledger = Ledger::from_movements(rows.iter().map(|r| r.movement.clone()));
        for over in ledger.over_use() {
            let OverUse::SerialUsedTwice { movements, .. } = over else {
                continue;
            };
            let involved: Vec<&Indexed> = rows
                .iter()
                .filter(|r| movements.contains(&r.movement.id))
                .collect();
            let labels: Vec<&str> = unique(involved.iter().map(|r| r.label.as_str()));
            for r in involved {
                pending
                    .entry(r.doc_id.clone())
                    .or_default()
                    .findings
                    .push(Finding {
                        kind: FlagKind::StockOverUse,
                        subject: r.part_number.clone(),
                        detail: format!(
                            "Serial {serial} of {} is recorded as fitted on {}.",
                            r.part_number,
                            labels.join(", ")
                        ),
                        cover: Cover::Since(r.movement.at.min(now)),
                    });
            }
        }
    }
    Ok(())
}

/// The uses at `location` that took it below zero: replaying its movements in time
/// order, the uses since stock last arrived and left the balance at zero or more. With
/// two technicians offline on the last unit, that is both uses, since neither knew of
/// the other; uses long before the last delivery are not involved.
fn uses_since_stock_covered(rows: &[Indexed], location: LocationId) -> Vec<&Indexed> {
    let mut sorted: Vec<&Indexed> = rows.iter().collect();
    sorted.sort_by_key(|r| (r.movement.at, r.movement.id));
    let mut seen: BTreeSet<MovementId> = BTreeSet::new();
    let mut balance = 0i64;
    let mut window: Vec<&Indexed> = Vec::new();
    for r in sorted {
        let m = &r.movement;
        if !seen.insert(m.id) {
            continue;
        }
        let delta = if m.kind == MovementKind::CountAdjustment {
            if m.to.or(m.from) == Some(location) {
                m.quantity
            } else {
                0
            }
        } else {
            let into = if m.to == Some(location) {
                m.quantity
            } else {
                0
            };
            let out = if m.from == Some(location) {
                m.quantity
            } else {
                0
            };
            into - out
        };
        balance += delta;
        if delta > 0 && balance >= 0 {
            window.clear();
        } else if m.kind == MovementKind::Use && delta < 0 {
            window.push(r);
        }
    }
    window
}

/// The movement kind's snake_case name, as stored in `ledger_movements.kind`.
fn kind_name(kind: MovementKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

fn unique<'a>(labels: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for l in labels {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// The location's name from the reference data, or its id when it has none.
fn location_name(tx: &Connection, location: LocationId) -> String {
    // Reference data is kept by another module; a name missing there (or a database
    // without the table) only makes the detail less friendly.
    tx.query_row(
        "SELECT name FROM locations WHERE id = ?1",
        [location.to_string()],
        |r| r.get::<_, String>(0),
    )
    .optional()
    .ok()
    .flatten()
    .unwrap_or_else(|| format!("location {location}"))
}

/// The clock's stable snake_case name (`contact_after_dispatch`), as the UI keys it.
fn clock_name(kind: sla::ClockKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

fn index_seq(tx: &Connection) -> Result<u64, ApiError> {
    let value: Option<String> = tx
        .query_row(
            "SELECT value FROM server_meta WHERE key = ?1",
            [INDEX_SEQ_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn set_index_seq(tx: &Connection, seq: u64) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO server_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (INDEX_SEQ_KEY, seq.to_string()),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use onsite_core::fixtures::{t0, uuid};
    use onsite_core::ids::UserId;

    const VAN: LocationId = LocationId(uuid::Uuid::from_u128(10));
    const WAREHOUSE: LocationId = LocationId(uuid::Uuid::from_u128(11));

    fn row(seed: u128, minute: i64, kind: MovementKind, order: &str) -> Indexed {
        let (from, to) = match kind {
            MovementKind::Issue => (Some(WAREHOUSE), Some(VAN)),
            MovementKind::Use => (Some(VAN), None),
            _ => (None, None),
        };
        Indexed {
            doc_id: order.into(),
            label: order.into(),
            part_number: "BELT-8".into(),
            movement: Movement {
                id: MovementId(uuid(seed)),
                at: t0() + chrono::Duration::minutes(minute),
                by: UserId(uuid(2)),
                kind,
                part: PartId(uuid(500)),
                quantity: 1,
                from,
                to,
                serials: vec![],
                reason: String::new(),
                reference: None,
            },
        }
    }

    fn labels(rows: &[&Indexed]) -> Vec<String> {
        rows.iter().map(|r| r.label.clone()).collect()
    }

    #[test]
    fn both_uses_of_the_last_unit_are_involved() {
        let rows = [
            row(1, 0, MovementKind::Issue, "RQ-1"),
            row(2, 10, MovementKind::Use, "WO-1"),
            row(3, 20, MovementKind::Use, "WO-2"),
        ];
        assert_eq!(
            labels(&uses_since_stock_covered(&rows, VAN)),
            ["WO-1", "WO-2"],
            "neither technician knew of the other"
        );
    }

    #[test]
    fn uses_before_a_delivery_that_covered_them_are_not_involved() {
        let rows = [
            row(1, 0, MovementKind::Issue, "RQ-1"),
            row(2, 10, MovementKind::Use, "WO-old"),
            row(3, 20, MovementKind::Issue, "RQ-2"),
            row(4, 30, MovementKind::Use, "WO-1"),
            row(5, 40, MovementKind::Use, "WO-2"),
        ];
        assert_eq!(
            labels(&uses_since_stock_covered(&rows, VAN)),
            ["WO-1", "WO-2"]
        );
        let late_issue = [
            row(1, 0, MovementKind::Use, "WO-1"),
            row(2, 10, MovementKind::Issue, "RQ-1"),
            row(3, 20, MovementKind::Use, "WO-2"),
        ];
        assert_eq!(
            labels(&uses_since_stock_covered(&late_issue, VAN)),
            ["WO-2"],
            "a use the later delivery accounted for is settled"
        );
    }

    #[test]
    fn an_open_flag_always_covers_a_resolved_one_only_its_own_occurrence() {
        let raised = t0();
        let later = t0() + chrono::Duration::hours(1);
        assert!(Standing::Open.covers(raised, Cover::OpenOnly));
        assert!(Standing::Open.covers(raised, Cover::Since(later)));
        assert!(
            !Standing::Resolved.covers(raised, Cover::OpenOnly),
            "a conflict after its resolution is a new one"
        );
        assert!(
            Standing::Resolved.covers(later, Cover::Since(raised)),
            "a lasting condition stays settled"
        );
        assert!(
            !Standing::Resolved.covers(raised, Cover::Since(later)),
            "a condition that began after the flag is new"
        );
        assert!(
            !Standing::Withdrawn.covers(later, Cover::Since(raised)),
            "the server's withdrawal settles nothing"
        );
    }
}
