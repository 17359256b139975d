//! Real devices for scenarios: a device `Store` in a temporary folder, signed in to a
//! [`crate::TestServer`] with the device's own `SyncClient`, acting as one person; and
//! the steps a technician takes on site, as the app would apply them.

use std::path::Path;

use chrono::{DateTime, Utc};
use onsite_core::doc::order::{NewOrder, OrderOp};
use onsite_core::fixtures;
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::ServiceMode;
use onsite_core::role::{Actor, Role};
use onsite_core::{
    Calendar, CompanyRules, Ctx, Money, OrderDoc, OrderId, RecordId, Settings, UserId,
};
use onsite_device::sync_client::{SyncClient, SyncReport};
use onsite_device::{DocKind, Store};

use crate::TestServer;

/// The password every scenario user gets.
pub const PASSWORD: &str = "correct horse";

/// One person's device: their store, their sync client, and who they act as.
pub struct Device {
    /// The device's own SQLite store.
    pub store: Store,
    /// Its client of the test server.
    pub client: SyncClient,
    /// The person using it.
    pub actor: Actor,
    /// Company settings the device applies the rules with.
    pub settings: Settings,
    /// Company calendar.
    pub calendar: Calendar,
    /// The instant this device's clock reads, if pinned (a scenario replaying the past);
    /// otherwise the system clock.
    pub at: Option<DateTime<Utc>>,
}

impl Device {
    /// Adds `login` with `role` to the server and signs in a new device for them, its
    /// store in `dir`.
    pub async fn sign_in(
        server: &TestServer,
        dir: &Path,
        login: &str,
        role: Role,
    ) -> anyhow::Result<Self> {
        let account = server.add_user(login, login, role, PASSWORD)?;
        Self::sign_in_existing(server, dir, login, &account.id, role).await
    }

    /// Signs in a new device, its store in `dir`, for the account `login` the scenario
    /// already made (through the office API, say), whose id is `id`.
    pub async fn sign_in_existing(
        server: &TestServer,
        dir: &Path,
        login: &str,
        id: &str,
        role: Role,
    ) -> anyhow::Result<Self> {
        let mut store = Store::open(&dir.join(format!("{login}.db")))?;
        let (client, _) =
            SyncClient::sign_in(&mut store, &server.url(""), login, PASSWORD, login).await?;
        Ok(Self {
            store,
            client,
            actor: Actor {
                user: UserId(id.parse()?),
                role,
            },
            settings: Settings::default(),
            calendar: Calendar::default(),
            at: None,
        })
    }

    /// Now, as this device's clock reads it.
    pub fn now(&self) -> DateTime<Utc> {
        self.at.unwrap_or_else(Utc::now)
    }

    /// The company's rules as this device last received them (as the app reads them).
    pub fn rules(&self) -> CompanyRules {
        self.store.projector().rules.clone()
    }

    /// A sync round (repeated until the server has nothing more).
    pub async fn sync(&mut self) -> anyhow::Result<SyncReport> {
        Ok(self.client.sync(&mut self.store).await?)
    }

    /// Creates an order from intake on this device.
    /// The order runs under the settings version this device holds, as the app's intake
    /// records it.
    pub fn create_order(&mut self, mut new: NewOrder) -> anyhow::Result<OrderDoc> {
        let rules = self.rules();
        new.settings_version.get_or_insert(rules.current().version);
        let ctx = Ctx {
            actor: self.actor,
            now: self.now(),
            settings: rules.settings(),
            calendar: &rules.calendar,
        };
        Ok(self.store.create_order(new, &ctx)?)
    }

    /// Applies one order operation as this device's user, now.
    /// Under the order's own settings version, as the app applies it.
    pub fn apply(&mut self, id: OrderId, op: OrderOp) -> anyhow::Result<OrderDoc> {
        let rules = self.rules();
        let order = self.store.order(id)?;
        let ctx = Ctx {
            actor: self.actor,
            now: self.now(),
            settings: &rules.for_order_doc(&order).settings,
            calendar: &rules.calendar,
        };
        Ok(self.store.apply_order(id, &op, &ctx)?)
    }

    /// The order as this device holds it.
    pub fn order(&mut self, id: OrderId) -> anyhow::Result<OrderDoc> {
        Ok(self.store.order(id)?)
    }

    /// Reads the order's Automerge document on this device, e.g. for its conflicts.
    pub fn read_order<R>(
        &mut self,
        id: OrderId,
        f: impl FnOnce(&automerge::Automerge) -> R,
    ) -> anyhow::Result<R> {
        Ok(self.store.read(DocKind::Order, &id.to_string(), f)?)
    }

    /// On site: reach the customer, check in, show the work ID, confirm the fault,
    /// diagnose and record the customer's consent to the plan and fee.
    pub fn visit_until_plan_agreed(&mut self, id: OrderId) -> anyhow::Result<OrderDoc> {
        let fee = Money::new(28_000, "CNY");
        let now = self.now();
        self.apply(
            id,
            OrderOp::LogContact {
                id: RecordId::new_at(now),
                channel: ContactChannel::Phone,
                reached: true,
                note: "fault, time, place and fee estimate confirmed".into(),
            },
        )?;
        self.apply(
            id,
            OrderOp::CheckIn {
                visit: RecordId::new_at(now),
            },
        )?;
        self.apply(id, OrderOp::ShowWorkId)?;
        self.apply(
            id,
            OrderOp::ConfirmFault {
                note: "drum does not spin, E21 shown".into(),
            },
        )?;
        self.apply(
            id,
            OrderOp::RecordDiagnosis {
                cause: "belt cracked".into(),
                plan: "replace the belt".into(),
                parts: vec!["BELT-8".into()],
                tools: "standard kit".into(),
                estimated_minutes: 40,
                estimated_fee: fee.clone(),
                risks: "none".into(),
                touches_data: false,
            },
        )?;
        self.apply(
            id,
            OrderOp::RecordConsent {
                customer_name: "王芳".into(),
                fee_agreed: Some(fee),
                by_phone: false,
            },
        )
    }

    /// A repair step and a passing functional test, after consent.
    pub fn repair_and_test(&mut self, id: OrderId) -> anyhow::Result<OrderDoc> {
        self.apply(
            id,
            OrderOp::AddRepairStep {
                id: RecordId::new_at(self.now()),
                description: "replaced the belt".into(),
                minutes: 25,
            },
        )?;
        self.apply(
            id,
            OrderOp::RecordTest {
                id: RecordId::new_at(self.now()),
                passed: true,
                notes: "spin cycle at full load".into(),
                care_advice_given: true,
            },
        )
    }

    /// The customer signs on this device.
    pub fn sign_off(&mut self, id: OrderId) -> anyhow::Result<OrderDoc> {
        self.apply(
            id,
            OrderOp::SignOff {
                id: RecordId::new_at(self.now()),
                signer: "王芳".into(),
                rating: Some(5),
                signature_blob: "ab".repeat(32),
            },
        )
    }
}

/// A new on-site order as intake records it, received now (so no SLA clock is late
/// unless a scenario says so).
pub fn new_order(seed: u128) -> NewOrder {
    let mut new = fixtures::new_order(seed, ServiceMode::OnSite, None);
    new.request.received_at = Utc::now();
    new
}

/// The office creates an order and dispatches it to `tech`; both devices sync.
pub async fn dispatched(
    office: &mut Device,
    tech: &mut Device,
    seed: u128,
) -> anyhow::Result<OrderId> {
    dispatched_order(office, tech, new_order(seed)).await
}

/// The office creates `new` and dispatches it to `tech`; both devices sync.
pub async fn dispatched_order(
    office: &mut Device,
    tech: &mut Device,
    new: NewOrder,
) -> anyhow::Result<OrderId> {
    let id = new.id;
    office.create_order(new)?;
    office.apply(
        id,
        OrderOp::Dispatch {
            assignee: tech.actor.user,
            window: None,
        },
    )?;
    office.sync().await?;
    tech.sync().await?;
    Ok(id)
}

/// `new`, received 8 hours before `closed`, dispatched to `tech`, visited, repaired,
/// tested and signed off before `closed`, everything synced, so the office can close it
/// at `closed`. The devices' clocks are left pinned at the last step.
pub async fn signed_off_before(
    office: &mut Device,
    tech: &mut Device,
    mut new: NewOrder,
    closed: DateTime<Utc>,
) -> anyhow::Result<OrderId> {
    new.request.received_at = closed - chrono::Duration::hours(8);
    office.at = Some(closed - chrono::Duration::hours(8));
    let id = dispatched_order(office, tech, new).await?;
    tech.at = Some(closed - chrono::Duration::hours(6));
    tech.visit_until_plan_agreed(id)?;
    tech.at = Some(closed - chrono::Duration::hours(3));
    tech.repair_and_test(id)?;
    tech.at = Some(closed - chrono::Duration::hours(2));
    tech.sign_off(id)?;
    tech.sync().await?;
    office.sync().await?;
    Ok(id)
}
