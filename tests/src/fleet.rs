//! A fleet of simulated devices for the fault and convergence scenarios: real device
//! stores ([`onsite_device::Store`]) in a temp folder with their real sync client, a
//! seeded generator of valid offline edits, and the check that every device and the
//! server hold identical documents.
//!
//! Devices are enrolled straight into the server's database rather than through
//! `POST /v1/auth/login`: sign-in is rate-limited per client address (all scenario
//! devices share 127.0.0.1) and its argon2 check would dominate a fleet of fifty. What
//! the scenarios exercise is sync, which is unchanged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;
use automerge::ChangeHash;
use chrono::Duration;
use onsite_core::doc::order::{NewOrder, OrderDoc, OrderOp};
use onsite_core::doc::TimeWindow;
use onsite_core::ids::{LocationId, PartId, RecordId};
use onsite_core::lifecycle::OrderState;
use onsite_core::money::Money;
use onsite_core::records::order::{ContactChannel, HoldKind};
use onsite_core::role::{Actor, Role};
use onsite_core::stock::Ledger;
use onsite_core::{fixtures, ops, Calendar, Ctx, OrderId, Settings, UserId};
use onsite_device::sync_client::SyncClient;
use onsite_device::{DocKind, Store};
use onsite_server::accounts::Account;

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
    server_data: &Path,
    login: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<(Account, Actor)> {
    let db = crate::pg::open(server_data)?;
    let account = onsite_server::accounts::add(&db.conn(), login, login, role, password)?;
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
        server_data: &Path,
        base: &str,
        dir: &Path,
        label: &str,
        account: &Account,
        actor: Actor,
    ) -> anyhow::Result<Self> {
        let store = Store::open(&dir.join(format!("{}.db", label.replace('/', "_"))))?;
        let db = crate::pg::open(server_data)?;
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

    /// Talks to `base` from the next sync on, as a device behind a load balancer that
    /// reaches another replica.
    pub fn reach(&mut self, base: &str) -> anyhow::Result<()> {
        self.store
            .set_meta("server_url", base.trim_end_matches('/'))?;
        self.sync = SyncClient::from_store(&self.store)?.context("the device has no client")?;
        Ok(())
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

/// A number from the environment variable `name` (a run's size), or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The seed from `ONSITE_SEED`, or a fresh one.
pub fn seed() -> u64 {
    env_or("ONSITE_SEED", fastrand::u64(..))
}

/// Order number `n`, made on the `office` device by `supervisor`, dispatched to `tech`
/// and brought to the repair stage (plan agreed), so parts can be used on it; its id.
pub fn order_at_repair(
    office: &mut Device,
    company: &mut Company,
    rng: &mut fastrand::Rng,
    n: u128,
    tech: Actor,
) -> anyhow::Result<String> {
    let new = new_order(n);
    let id = new.id.to_string();
    office.store.create_order(new, &company.ctx(office.actor))?;
    let dispatch = OrderOp::Dispatch {
        assignee: tech.user,
        window: None,
    };
    anyhow::ensure!(
        matches!(office.edit(company, &id, &dispatch)?, Edit::Committed(_)),
        "order {n} could not be dispatched"
    );
    drive_to(office, company, rng, &id, OrderState::PlanAgreed)?;
    Ok(id)
}

/// An office and its technicians, as most fault scenarios start.
pub struct Crew {
    /// A supervisor's device (`office`, user `zhou.min`).
    pub office: Device,
    /// One phone per technician (`tech00/phone`, ...).
    pub techs: Vec<Device>,
    /// Each technician's own order, in the same order as `techs`.
    pub orders: Vec<String>,
}

/// Enrolls a supervisor's office device and `technicians` phones on the server whose
/// data is `server_data` and which devices reach at `base`, their stores in `dir`. The
/// office brings one order per technician to the repair stage; then everyone syncs once,
/// the office first, so each phone holds its order.
pub async fn crew(
    server_data: &Path,
    base: &str,
    dir: &Path,
    company: &mut Company,
    rng: &mut fastrand::Rng,
    technicians: usize,
    password: &str,
) -> anyhow::Result<Crew> {
    let (sup_account, supervisor) = add_user(server_data, "zhou.min", Role::Supervisor, password)?;
    let mut office = Device::enroll(server_data, base, dir, "office", &sup_account, supervisor)?;
    let mut techs = Vec::new();
    let mut orders = Vec::new();
    for n in 0..technicians {
        let login = format!("tech{n:02}");
        let (account, actor) = add_user(server_data, &login, Role::Technician, password)?;
        let label = format!("{login}/phone");
        techs.push(Device::enroll(
            server_data,
            base,
            dir,
            &label,
            &account,
            actor,
        )?);
        orders.push(order_at_repair(
            &mut office,
            company,
            rng,
            n as u128 + 1,
            actor,
        )?);
    }
    office.sync.sync(&mut office.store).await?;
    for device in &mut techs {
        device.sync.sync(&mut device.store).await?;
    }
    Ok(Crew {
        office,
        techs,
        orders,
    })
}

/// Moves `id` along its lifecycle on `device` until it reaches `target`.
pub fn drive_to(
    device: &mut Device,
    company: &mut Company,
    rng: &mut fastrand::Rng,
    id: &str,
    target: OrderState,
) -> anyhow::Result<()> {
    for _ in 0..20 {
        let order = device.store.order(OrderId(id.parse()?))?;
        if order.state == target {
            return Ok(());
        }
        for op in next_ops(rng, &order, device.actor) {
            device.edit(company, id, &op)?;
        }
    }
    anyhow::bail!("order {id} never reached {target:?}")
}

/// A part used on an order, as the device that used it recorded it.
#[derive(Debug, Clone, Copy)]
struct Used {
    part: PartId,
    van: LocationId,
    quantity: u32,
}

/// Every record the technicians' devices committed that must reach the server exactly
/// once: part uses (which move stock) and contact attempts (which stop the contact
/// clock), by record id.
#[derive(Debug, Default)]
pub struct Recorded {
    parts: BTreeMap<RecordId, Used>,
    contacts: BTreeSet<RecordId>,
}

impl Recorded {
    /// Notes `op`, committed on a device, if it is a part use or a contact attempt.
    pub fn note(&mut self, op: &OrderOp) {
        match op {
            OrderOp::UsePart {
                id,
                part,
                quantity,
                location,
                ..
            } => {
                let used = Used {
                    part: *part,
                    van: *location,
                    quantity: *quantity,
                };
                self.parts.insert(*id, used);
            }
            OrderOp::LogContact { id, .. } => {
                self.contacts.insert(*id);
            }
            _ => {}
        }
    }

    /// How many part uses were noted.
    pub fn part_uses(&self) -> usize {
        self.parts.len()
    }

    /// How many contact attempts were noted.
    pub fn contacts(&self) -> usize {
        self.contacts.len()
    }

    /// Checks that the server's copies of `orders` hold each noted part use and contact
    /// attempt, none of any record twice, and that van stock, on the server and on
    /// every device that may see the van, counts each part use once.
    pub fn assert_counted_once(
        &self,
        server_data: &Path,
        orders: &[String],
        devices: &[Device],
        technicians: &[Actor],
    ) -> anyhow::Result<()> {
        let docs = server_docs(server_data)?;
        let mut parts: BTreeMap<RecordId, usize> = BTreeMap::new();
        let mut contacts: BTreeMap<RecordId, usize> = BTreeMap::new();
        let mut movements = Vec::new();
        for id in orders {
            let doc = &docs
                .get(id)
                .with_context(|| format!("order {id} on the server"))?
                .doc;
            let order: OrderDoc = ops::hydrate(doc)?;
            for part in &order.parts {
                *parts.entry(part.id).or_default() += 1;
            }
            for contact in &order.contacts {
                *contacts.entry(contact.id).or_default() += 1;
            }
            movements.extend(order.stock_movements());
        }
        for (what, counted, noted) in [
            (
                "part uses",
                &parts,
                self.parts.keys().copied().collect::<BTreeSet<_>>(),
            ),
            ("contact attempts", &contacts, self.contacts.clone()),
        ] {
            let twice: Vec<_> = counted.iter().filter(|(_, n)| **n > 1).collect();
            anyhow::ensure!(twice.is_empty(), "{what} recorded twice: {twice:?}");
            let missing: Vec<_> = noted
                .iter()
                .filter(|id| !counted.contains_key(id))
                .collect();
            anyhow::ensure!(
                missing.is_empty(),
                "{what} missing on the server: {missing:?}"
            );
        }
        // Part uses nobody made would show in the stock balances.
        let mut want: BTreeMap<(PartId, LocationId), i64> = BTreeMap::new();
        for used in self.parts.values() {
            *want.entry((used.part, used.van)).or_default() -= i64::from(used.quantity);
        }
        let balances = Ledger::from_movements(movements).balances();
        anyhow::ensure!(
            balances == want,
            "van stock on the server is {balances:?}, the parts used say {want:?}"
        );
        for device in devices {
            for tech in technicians {
                if !may_see(device.actor, Some(&tech.user.to_string())) {
                    continue;
                }
                let van = van(*tech);
                let mut on_device: BTreeMap<(PartId, LocationId), i64> = BTreeMap::new();
                for balance in device.store.stock_balances(&van.to_string())? {
                    on_device.insert((PartId(balance.part_id.parse()?), van), balance.quantity);
                }
                let want_here: BTreeMap<_, _> = want
                    .iter()
                    .filter(|((_, location), _)| *location == van)
                    .map(|(k, v)| (*k, *v))
                    .collect();
                anyhow::ensure!(
                    on_device == want_here,
                    "{}: van stock of {} is {on_device:?}, the parts used say {want_here:?}",
                    device.label,
                    tech.user
                );
            }
        }
        Ok(())
    }
}

/// The server's copy of a document: kind, owner, sorted heads and the Automerge doc.
pub struct ServerDoc {
    pub owner: Option<String>,
    pub heads: Vec<ChangeHash>,
    pub doc: automerge::Automerge,
}

/// Edits committed on devices, by order id: who made each and its change hash.
pub type Committed = BTreeMap<String, Vec<(String, ChangeHash)>>;

/// Every change in `committed` is in the server's copy of its order.
pub fn assert_all_reached(server_data: &Path, committed: &Committed) -> anyhow::Result<()> {
    use automerge::ReadDoc as _;
    let docs = server_docs(server_data)?;
    for (id, changes) in committed {
        let doc = &docs
            .get(id)
            .with_context(|| format!("order {id} on the server"))?
            .doc;
        for (label, change) in changes {
            anyhow::ensure!(
                doc.get_change_by_hash(change).is_some(),
                "{label}'s committed change {change} to order {id} never reached the server"
            );
        }
    }
    Ok(())
}

/// Every document the server holds, by id, read from its database.
pub fn server_docs(server_data: &Path) -> anyhow::Result<BTreeMap<String, ServerDoc>> {
    let db = crate::pg::open(server_data)?;
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
pub fn assert_converged(server_data: &Path, devices: &mut [Device]) -> anyhow::Result<()> {
    let docs = server_docs(server_data)?;
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

/// A camera-sized JPEG (640 x 480, about 40 KB) that differs for each `n`.
pub fn photo(n: u32) -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(n % 251) as u8, (x / 3) as u8, ((y + n) / 2) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img)?;
    Ok(out)
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
