//! A fleet of simulated devices for the fault and convergence scenarios: real device
//! stores ([`onsite_device::Store`]) in a temp folder with their real sync client, a
//! seeded generator of valid offline edits, and the check that every device and the
//! server hold identical documents.
//!
//! Devices are enrolled straight into the server's database rather than through
//! `POST /v1/auth/login`: sign-in is rate-limited per client address (all scenario
//! devices share 127.0.0.1) and its argon2 check would dominate a fleet of fifty. What
//! the scenarios exercise is sync, which is unchanged.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use automerge::ChangeHash;
use chrono::Duration;
use onsite_core::doc::order::{NewOrder, OrderDoc, OrderOp};
use onsite_core::doc::TimeWindow;
use onsite_core::ids::{LocationId, PartId, RecordId};
use onsite_core::money::Money;
use onsite_core::records::order::{ContactChannel, HoldKind};
use onsite_core::role::{Actor, Role};
use onsite_core::{fixtures, ops, Calendar, Ctx, OrderId, Settings, UserId};
use onsite_device::sync_client::SyncClient;
use onsite_device::{DocKind, Store};
use onsite_server::accounts::Account;

use crate::TestServer;

/// Company reference data every operation needs, and the scenario clock: edits are
/// stamped `t0 + n minutes` with `n` counting up, so a replayed seed records the same
/// times.
#[derive(Default)]
pub struct Company {
    pub settings: Settings,
    pub calendar: Calendar,
    minutes: i64,
}

impl Company {
    /// The context for `actor`'s next operation, one minute after the previous one.
    pub fn ctx(&mut self, actor: Actor) -> Ctx<'_> {
        self.minutes += 1;
        Ctx {
            actor,
            now: fixtures::t0() + Duration::minutes(self.minutes),
            settings: &self.settings,
            calendar: &self.calendar,
        }
    }
}

/// Adds a user to the server and returns the account with the domain actor it acts as.
pub fn add_user(
    server: &TestServer,
    login: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<(Account, Actor)> {
    let account = server.add_user(login, login, role, password)?;
    let actor = Actor {
        user: UserId(account.id.parse()?),
        role,
    };
    Ok((account, actor))
}

/// One simulated device: its store, its sync client, and whose it is.
pub struct Device {
    /// A name for failure messages, e.g. `li.wei/phone`.
    pub label: String,
    /// The user signed in on it.
    pub actor: Actor,
    pub store: Store,
    pub sync: SyncClient,
}

impl Device {
    /// Opens a new store at `dir/<label>.db` and enrolls it for `account`, talking to
    /// `base` (the server, or a proxy in front of it).
    pub fn enroll(
        server: &TestServer,
        base: &str,
        dir: &Path,
        label: &str,
        account: &Account,
        actor: Actor,
    ) -> anyhow::Result<Self> {
        let store = Store::open(&dir.join(format!("{}.db", label.replace('/', "_"))))?;
        let db = onsite_server::db::open(server.data.path())?;
        let token =
            onsite_server::devices::enroll(&db.conn(), account, &store.device_id()?, label)?;
        // The same two settings `SyncClient::sign_in` leaves behind.
        store.set_meta("server_url", base.trim_end_matches('/'))?;
        store.set_meta("device_token", &token)?;
        let sync = SyncClient::from_store(&store)?.context("the enrolled device has no client")?;
        Ok(Self {
            label: label.to_string(),
            actor,
            store,
            sync,
        })
    }

    /// The order ids this device holds.
    pub fn orders(&self) -> anyhow::Result<Vec<String>> {
        Ok(self.store.document_ids(DocKind::Order)?)
    }

    /// The heads of an order on this device, sorted.
    pub fn heads(&mut self, id: &str) -> anyhow::Result<Vec<ChangeHash>> {
        let mut heads = self.store.read(DocKind::Order, id, |d| d.get_heads())?;
        heads.sort();
        Ok(heads)
    }

    /// Applies `op` as a local edit: either committed (with the hash of its change, an
    /// acknowledged edit the scenario later expects the server to hold) or refused by
    /// the rules. Any other failure is an error.
    pub fn edit(&mut self, company: &mut Company, id: &str, op: &OrderOp) -> anyhow::Result<Edit> {
        let before = self.heads(id)?;
        let order = OrderId(id.parse()?);
        match self.store.apply_order(order, op, &company.ctx(self.actor)) {
            Ok(_) => {}
            Err(onsite_device::StoreError::Domain { source, .. }) => {
                return Ok(Edit::Refused(source.to_string()))
            }
            Err(e) => return Err(e.into()),
        }
        let after = self.heads(id)?;
        // A local commit depends on every head it saw, so it is the only head after it.
        match after.as_slice() {
            _ if after == before => Ok(Edit::Unchanged),
            [one] if !before.contains(one) => Ok(Edit::Committed(*one)),
            _ => anyhow::bail!(
                "{}: {op:?} on {id} was accepted but left heads {after:?} (before {before:?})",
                self.label
            ),
        }
    }
}

/// What became of a local edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Stored durably as this change.
    Committed(ChangeHash),
    /// Allowed, but it changed nothing (say, assigning the current assignee).
    Unchanged,
    /// Refused by the lifecycle rules (the reason); nothing was stored.
    Refused(String),
}

/// The server's copy of a document: kind, owner, sorted heads and the Automerge doc.
pub struct ServerDoc {
    pub owner: Option<String>,
    pub heads: Vec<ChangeHash>,
    pub doc: automerge::Automerge,
}

/// Every document the server holds, by id, read from its database.
pub fn server_docs(server: &TestServer) -> anyhow::Result<BTreeMap<String, ServerDoc>> {
    let db = onsite_server::db::open(server.data.path())?;
    let conn = db.conn();
    let ids = onsite_server::sync::docs::changed_since(&conn, 0, None, 1_000_000)?;
    let mut out = BTreeMap::new();
    for (id, _) in ids {
        let mut stored = onsite_server::sync::docs::load(&conn, &id)?
            .with_context(|| format!("document {id} listed but not loadable"))?;
        let mut heads = stored.doc.get_heads();
        heads.sort();
        out.insert(
            id,
            ServerDoc {
                owner: stored.owner,
                heads,
                doc: stored.doc.document().clone(),
            },
        );
    }
    Ok(out)
}

/// Whether `actor` may see a document owned by `owner` (docs/sync-protocol.md, "Who
/// sees what"): technicians their own, office roles everything.
pub fn may_see(actor: Actor, owner: Option<&str>) -> bool {
    actor.role != Role::Technician || owner == Some(actor.user.to_string().as_str())
}

/// Checks that every device holds exactly the orders its user may see, each with the
/// server's heads (the same set of changes, hence the same document) and the same
/// hydrated order; the error names the first device and order that differ.
pub fn assert_converged(server: &TestServer, devices: &mut [Device]) -> anyhow::Result<()> {
    let docs = server_docs(server)?;
    for device in devices.iter_mut() {
        anyhow::ensure!(
            device.store.pending()?.is_empty(),
            "{}: still has unsent edits after a clean sync: {:?}",
            device.label,
            device.store.pending()?
        );
        let mut held = device.orders()?;
        held.sort();
        let mut visible: Vec<String> = docs
            .iter()
            .filter(|(_, d)| may_see(device.actor, d.owner.as_deref()))
            .map(|(id, _)| id.clone())
            .collect();
        visible.sort();
        anyhow::ensure!(
            held == visible,
            "{}: holds orders {held:?} but may see {visible:?}",
            device.label
        );
        for id in &held {
            let server_doc = &docs[id];
            let heads = device.heads(id)?;
            anyhow::ensure!(
                heads == server_doc.heads,
                "{}: order {id} has heads {heads:?}, the server {:?}",
                device.label,
                server_doc.heads
            );
            let mine = device.store.order(OrderId(id.parse()?))?;
            let office: OrderDoc = ops::hydrate(&server_doc.doc)?;
            anyhow::ensure!(
                mine == office,
                "{}: order {id} hydrates differently from the server's copy",
                device.label
            );
        }
    }
    Ok(())
}

/// A fresh record id from the scenario's RNG, so a replayed seed makes the same ids.
pub fn record_id(rng: &mut fastrand::Rng) -> RecordId {
    RecordId(uuid::Uuid::from_u128(rng.u128(..)))
}

/// The spare parts the scenarios use, from the van of whoever fits them.
pub fn part(n: u8) -> (PartId, String) {
    (
        PartId(fixtures::uuid(500 + u128::from(n))),
        format!("BR-{}", 21 + n),
    )
}

/// A technician's van: the stock location their part usage leaves from.
pub fn van(tech: Actor) -> LocationId {
    LocationId(tech.user.0)
}

/// A part used from `tech`'s van with a fresh record id.
pub fn use_part(rng: &mut fastrand::Rng, tech: Actor) -> OrderOp {
    let (part, part_number) = part(rng.u8(0..3));
    let quantity = rng.u32(1..=2);
    OrderOp::UsePart {
        id: record_id(rng),
        part,
        part_number,
        certified: true,
        serialized: true,
        quantity,
        serials_new: (0..quantity)
            .map(|_| format!("SN-{:08x}", rng.u32(..)))
            .collect(),
        serials_old: vec![],
        location: van(tech),
    }
}

/// Work that fits most states: a comment, a repair step, a contact attempt, or a part.
pub fn filler_op(rng: &mut fastrand::Rng, actor: Actor) -> OrderOp {
    match rng.u8(0..4) {
        0 => OrderOp::Comment {
            id: record_id(rng),
            text: format!("note {}", rng.u32(..)),
        },
        1 => OrderOp::AddRepairStep {
            id: record_id(rng),
            description: format!("step {}", rng.u16(..)),
            minutes: rng.u32(1..30),
        },
        2 => OrderOp::LogContact {
            id: record_id(rng),
            channel: ContactChannel::Phone,
            reached: rng.bool(),
            note: String::new(),
        },
        _ => use_part(rng, actor),
    }
}

/// The operations that would move `order` along its on-site lifecycle from its current
/// state, as `actor` would try them (the rules decide; refused ones are skipped).
pub fn next_ops(rng: &mut fastrand::Rng, order: &OrderDoc, actor: Actor) -> Vec<OrderOp> {
    use onsite_core::lifecycle::OrderState as S;
    let fee = order
        .diagnosis
        .as_ref()
        .map(|d| d.estimated_fee.clone())
        .unwrap_or_else(|| Money::new(28_000, "CNY"));
    match order.state {
        S::Dispatched => vec![OrderOp::LogContact {
            id: record_id(rng),
            channel: ContactChannel::Phone,
            reached: true,
            note: "time agreed".into(),
        }],
        S::Contacted => vec![
            OrderOp::Schedule {
                window: TimeWindow {
                    start: fixtures::t0() + Duration::hours(5),
                    end: fixtures::t0() + Duration::hours(7),
                },
            },
            OrderOp::CheckIn {
                visit: record_id(rng),
            },
        ],
        S::OnSite => vec![
            OrderOp::ShowWorkId,
            OrderOp::ConfirmFault {
                note: "drum does not spin".into(),
            },
            OrderOp::RecordDiagnosis {
                cause: "brushes worn".into(),
                plan: "replace brushes".into(),
                parts: vec!["BR-21".into()],
                tools: "standard kit".into(),
                estimated_minutes: 60,
                estimated_fee: fee.clone(),
                risks: "none".into(),
                touches_data: false,
            },
            OrderOp::ApprovePlan { note: "ok".into() },
            OrderOp::RecordConsent {
                customer_name: "王芳".into(),
                fee_agreed: Some(fee),
                by_phone: false,
            },
        ],
        S::PlanAgreed | S::InRepair => vec![
            use_part(rng, actor),
            OrderOp::AddRepairStep {
                id: record_id(rng),
                description: "replace brushes".into(),
                minutes: 20,
            },
            OrderOp::RecordTest {
                id: record_id(rng),
                passed: rng.bool(),
                notes: "spin test".into(),
                care_advice_given: true,
            },
        ],
        S::Tested => vec![
            OrderOp::SignOff {
                id: record_id(rng),
                signer: "王芳".into(),
                rating: Some(5),
                signature_blob: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                    .into(),
            },
            OrderOp::Object {
                id: record_id(rng),
                signer: "王芳".into(),
                text: "still noisy".into(),
                signature_blob: None,
            },
        ],
        S::SignedOff => vec![OrderOp::CheckOut, OrderOp::Close],
        S::Closed => vec![OrderOp::FollowUp {
            id: record_id(rng),
            channel: ContactChannel::Phone,
            score: Some(4),
            comment: "fine".into(),
        }],
        S::OnHold => vec![OrderOp::Resume],
        _ => vec![],
    }
}

/// What an office user might do to an order besides the lifecycle: hold it, or hand it
/// to another technician.
pub fn office_op(rng: &mut fastrand::Rng, technicians: &[Actor]) -> OrderOp {
    if rng.bool() || technicians.is_empty() {
        OrderOp::Hold {
            kind: HoldKind::WaitingForParts,
            reason: "part on order".into(),
        }
    } else {
        OrderOp::Assign {
            assignee: technicians[rng.usize(..technicians.len())].user,
        }
    }
}

/// A sample order for `seed`, for office devices to create.
pub fn new_order(seed: u128) -> NewOrder {
    fixtures::new_order(
        seed,
        onsite_core::records::request::ServiceMode::OnSite,
        None,
    )
}
