//! Sample data for tests, benchmarks and demos: a fixed cast of users, a sample order,
//! and a realistic full lifecycle of operations. Deterministic: ids come from seeds,
//! instants from a fixed start.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use crate::doc::order::{NewOrder, OrderOp};
use crate::doc::TimeWindow;
use crate::ids::*;
use crate::money::Money;
use crate::records::order::{ContactChannel, HoldKind};
use crate::records::request::*;
use crate::role::{Actor, Role};

/// Monday 2026-11-23 09:00 in Beijing (01:00 UTC).
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// The context of an operation by `actor` `minute` minutes after [`t0`]: the instants
/// the lifecycle steps ([`Step`]) carry.
pub fn ctx_at<'a>(
    actor: Actor,
    minute: i64,
    settings: &'a crate::Settings,
    calendar: &'a crate::Calendar,
) -> crate::Ctx<'a> {
    crate::Ctx {
        actor,
        now: t0() + Duration::minutes(minute),
        settings,
        calendar,
    }
}

/// A deterministic id from a seed (a v7-shaped UUID is not needed for fixtures).
pub fn uuid(seed: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | seed)
}

/// A deterministic record id.
pub fn rid(seed: u128) -> RecordId {
    RecordId(uuid(seed))
}

/// The people and places of the fixtures.
#[derive(Debug, Clone, Copy)]
pub struct Cast {
    /// 客服专员.
    pub dispatcher: Actor,
    /// 维修工程师 (the assignee).
    pub technician: Actor,
    /// A second technician, not assigned.
    pub other_technician: Actor,
    /// 技术支持.
    pub support: Actor,
    /// 售后主管.
    pub supervisor: Actor,
    /// 仓库管理员.
    pub storekeeper: Actor,
    /// The technician's van.
    pub van: LocationId,
    /// The warehouse.
    pub warehouse: LocationId,
}

impl Default for Cast {
    fn default() -> Self {
        let a = |seed, role| Actor {
            user: UserId(uuid(seed)),
            role,
        };
        Cast {
            dispatcher: a(1, Role::Dispatcher),
            technician: a(2, Role::Technician),
            other_technician: a(3, Role::Technician),
            support: a(4, Role::Support),
            supervisor: a(5, Role::Supervisor),
            storekeeper: a(6, Role::Storekeeper),
            van: LocationId(uuid(10)),
            warehouse: LocationId(uuid(11)),
        }
    }
}

/// A sample order as intake records it: a washing machine bought on `purchase`.
pub fn new_order(seed: u128, mode: ServiceMode, purchase: Option<NaiveDate>) -> NewOrder {
    NewOrder {
        id: OrderId(uuid(1000 + seed)),
        number: format!("WO-2026-{seed:06}"),
        request: ServiceRequest {
            id: RequestId(uuid(2000 + seed)),
            channel: Channel::Phone,
            classification: Classification::Repair,
            received_at: t0(),
            description: "Drum does not spin, error E21".into(),
            fault_since: NaiveDate::from_ymd_opt(2026, 11, 20),
            external_damage: String::new(),
        },
        customer: Customer {
            id: CustomerId(uuid(3000 + seed)),
            name: "王芳".into(),
            phone: "13800138000".into(),
            address: "上海市浦东新区世纪大道100号 12楼".into(),
            tier: CustomerTier::Regular,
        },
        product: Product {
            model: "WM-8000".into(),
            serial: format!("SN{seed:010}"),
            purchase_date: purchase,
            delivered_on: purchase,
        },
        mode,
        priority: Priority::Normal,
        fault_code: "E21".into(),
        customer_damage: false,
        prior_repairs: vec![],
        settings_version: None,
    }
}

/// One scripted step: who, what, and how many minutes after [`t0`].
pub type Step = (Actor, OrderOp, i64);

/// A realistic full on-site lifecycle of a chargeable order (fee `fee_minor` CNY fen):
/// contacts, a visit, diagnosis, consent, repair steps and parts, a failed then a passed
/// test, an objection and rework, sign-off, close and follow-up. About `2 * work + 40`
/// operations.
pub fn on_site_lifecycle(cast: &Cast, fee_minor: i64, work: u32) -> Vec<Step> {
    let tech = cast.technician;
    let fee = Money::new(fee_minor, "CNY");
    let mut seed = 10_000u128;
    let mut next = || {
        seed += 1;
        rid(seed)
    };
    let mut m = 0i64;
    let mut at = |step: i64| {
        m += step;
        m
    };
    let window = TimeWindow {
        start: t0() + Duration::hours(5),
        end: t0() + Duration::hours(7),
    };
    let mut steps: Vec<Step> = vec![
        (
            cast.dispatcher,
            OrderOp::Dispatch {
                assignee: tech.user,
                window: None,
            },
            at(5),
        ),
        (
            cast.technician,
            OrderOp::LogContact {
                id: next(),
                channel: ContactChannel::Phone,
                reached: false,
                note: "no answer".into(),
            },
            at(20),
        ),
        (
            cast.technician,
            OrderOp::LogContact {
                id: next(),
                channel: ContactChannel::Phone,
                reached: true,
                note: "fault, time, place and fee estimate confirmed".into(),
            },
            at(30),
        ),
        (cast.technician, OrderOp::Schedule { window }, at(1)),
        (cast.technician, OrderOp::CheckIn { visit: next() }, at(240)),
        (cast.technician, OrderOp::ShowWorkId, at(1)),
        (
            cast.technician,
            OrderOp::AddPhoto {
                hash: "a3f1c2".repeat(10) + "abcd",
                caption: "drum before".into(),
            },
            at(2),
        ),
        (
            cast.technician,
            OrderOp::ConfirmFault {
                note: "drum does not spin, E21 shown".into(),
            },
            at(5),
        ),
        (
            cast.technician,
            OrderOp::RecordDiagnosis {
                cause: "motor carbon brushes worn, belt cracked".into(),
                plan: "replace brushes and belt, clean drum bearing".into(),
                parts: vec!["BR-21".into(), "BELT-8".into()],
                tools: "standard kit".into(),
                estimated_minutes: 90,
                estimated_fee: fee.clone(),
                risks: "bearing may need replacing if noisy after repair".into(),
                touches_data: false,
            },
            at(20),
        ),
        (
            cast.technician,
            OrderOp::RecordConsent {
                customer_name: "王芳".into(),
                fee_agreed: Some(fee.clone()),
                by_phone: false,
            },
            at(5),
        ),
    ];
    for i in 0..work {
        steps.push((
            tech,
            OrderOp::AddRepairStep {
                id: next(),
                description: format!("step {i}: disassemble / replace / reassemble"),
                minutes: 3,
            },
            at(3),
        ));
        if i % 4 == 0 {
            let serial = format!("BR21-{i:05}");
            steps.push((
                tech,
                OrderOp::UsePart {
                    id: next(),
                    part: PartId(uuid(500 + u128::from(i % 3))),
                    part_number: format!("BR-{}", 21 + i % 3),
                    certified: true,
                    serialized: true,
                    quantity: 1,
                    serials_new: vec![serial],
                    serials_old: vec![format!("OLD-{i:05}")],
                    location: cast.van,
                },
                at(1),
            ));
        }
    }
    steps.extend([
        (
            tech,
            OrderOp::RecordTest {
                id: next(),
                passed: false,
                notes: "belt slips under load".into(),
                care_advice_given: false,
            },
            at(10),
        ),
        (
            tech,
            OrderOp::AddRepairStep {
                id: next(),
                description: "re-tension belt".into(),
                minutes: 10,
            },
            at(10),
        ),
        (
            tech,
            OrderOp::RecordTest {
                id: next(),
                passed: true,
                notes: "spin cycle ok at 1200 rpm".into(),
                care_advice_given: true,
            },
            at(15),
        ),
        (
            tech,
            OrderOp::Object {
                id: next(),
                signer: "王芳".into(),
                text: "door seal still leaks".into(),
                signature_blob: None,
            },
            at(5),
        ),
        (
            tech,
            OrderOp::AddRepairStep {
                id: next(),
                description: "reseat door seal".into(),
                minutes: 15,
            },
            at(15),
        ),
        (
            tech,
            OrderOp::RecordTest {
                id: next(),
                passed: true,
                notes: "no leak on full cycle".into(),
                care_advice_given: true,
            },
            at(40),
        ),
        (
            tech,
            OrderOp::SignOff {
                id: next(),
                signer: "王芳".into(),
                rating: Some(5),
                signature_blob: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                    .into(),
            },
            at(5),
        ),
        (tech, OrderOp::CheckOut, at(2)),
        (tech, OrderOp::Close, at(60)),
        (
            cast.dispatcher,
            OrderOp::FollowUp {
                id: next(),
                channel: ContactChannel::Phone,
                score: Some(5),
                comment: "satisfied".into(),
            },
            at(60 * 24),
        ),
    ]);
    steps
}

/// A hold waiting for parts and its resume, to splice into a lifecycle.
pub fn hold_and_resume(cast: &Cast) -> [Step; 2] {
    [
        (
            cast.technician,
            OrderOp::Hold {
                kind: HoldKind::WaitingForParts,
                reason: "belt out of stock".into(),
            },
            0,
        ),
        (cast.technician, OrderOp::Resume, 0),
    ]
}

/// An order being worked in memory, for tests: the order, the company's settings and
/// calendar, the cast, and a clock that moves a minute per operation.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The order.
    pub order: crate::doc::order::OrderDoc,
    /// Company settings.
    pub settings: crate::settings::Settings,
    /// Company calendar.
    pub calendar: crate::calendar::Calendar,
    /// People and places.
    pub cast: Cast,
    /// The scenario's "now".
    pub now: DateTime<Utc>,
    seed: u128,
}

impl Scenario {
    /// A new order created by the dispatcher at [`t0`]. `chargeable` picks a purchase
    /// date out of (2019) or inside (2025) the 3-year warranty.
    pub fn new(mode: ServiceMode, chargeable: bool) -> Self {
        Self::with_settings(mode, chargeable, crate::settings::Settings::default())
    }

    /// Like [`Scenario::new`] with given settings.
    pub fn with_settings(
        mode: ServiceMode,
        chargeable: bool,
        settings: crate::settings::Settings,
    ) -> Self {
        let purchase = if chargeable {
            NaiveDate::from_ymd_opt(2019, 6, 1)
        } else {
            NaiveDate::from_ymd_opt(2025, 6, 1)
        };
        let cast = Cast::default();
        let calendar = crate::calendar::Calendar::default();
        let ctx = crate::ops::Ctx {
            actor: cast.dispatcher,
            now: t0(),
            settings: &settings,
            calendar: &calendar,
        };
        let order = match crate::doc::order::OrderDoc::new(new_order(1, mode, purchase), &ctx) {
            Ok(o) => o,
            Err(e) => unreachable!("the dispatcher may create orders: {e}"),
        };
        Scenario {
            order,
            settings,
            calendar,
            cast,
            now: t0(),
            seed: 90_000,
        }
    }

    /// A fresh record id.
    pub fn id(&mut self) -> RecordId {
        self.seed += 1;
        rid(self.seed)
    }

    /// Applies `op` by `actor` one minute after the previous operation.
    pub fn run(
        &mut self,
        actor: Actor,
        op: OrderOp,
    ) -> Result<(), crate::lifecycle::TransitionError> {
        self.now += Duration::minutes(1);
        let ctx = crate::ops::Ctx {
            actor,
            now: self.now,
            settings: &self.settings,
            calendar: &self.calendar,
        };
        self.order.apply(&op, &ctx)
    }

    /// The fee estimate used by [`Scenario::drive_to`]: 280.00 CNY when chargeable.
    pub fn estimate(&self) -> Money {
        if self.order.is_chargeable() {
            Money::new(28_000, "CNY")
        } else {
            Money::zero("CNY")
        }
    }

    /// Drives the order along its mode's happy path until it is in `target` (or past
    /// the end of the path). Stops with the first refusal.
    pub fn drive_to(
        &mut self,
        target: crate::lifecycle::OrderState,
    ) -> Result<(), crate::lifecycle::TransitionError> {
        use crate::lifecycle::OrderState as S;
        let tech = self.cast.technician;
        for _ in 0..20 {
            if self.order.state == target {
                return Ok(());
            }
            match self.order.state {
                S::New => {
                    let assignee = tech.user;
                    self.run(
                        self.cast.dispatcher,
                        OrderOp::Dispatch {
                            assignee,
                            window: None,
                        },
                    )?
                }
                S::Dispatched => {
                    let id = self.id();
                    self.run(
                        tech,
                        OrderOp::LogContact {
                            id,
                            channel: ContactChannel::Phone,
                            reached: true,
                            note: "confirmed".into(),
                        },
                    )?
                }
                S::Contacted if self.order.mode == ServiceMode::OnSite => {
                    let visit = self.id();
                    self.run(tech, OrderOp::CheckIn { visit })?
                }
                S::Contacted => {
                    // Mail-in: the condition on arrival is photographed; carry-in: the
                    // customer signs the receipt at the counter.
                    let mail_in = self.order.mode == ServiceMode::MailIn;
                    let photo = "a1".repeat(32);
                    if mail_in {
                        self.run(
                            tech,
                            OrderOp::AddPhoto {
                                hash: photo.clone(),
                                caption: "on arrival".into(),
                            },
                        )?;
                    }
                    let id = self.id();
                    self.run(
                        tech,
                        OrderOp::Receive {
                            condition: "boxed, accessories complete".into(),
                            photo: mail_in.then_some(photo),
                            signature: (!mail_in).then(|| {
                                crate::records::signature::SignatureCapture {
                                    id,
                                    signer: "王芳".into(),
                                    signature_blob: "a2".repeat(32),
                                }
                            }),
                        },
                    )?
                }
                S::OnSite | S::Received => {
                    if self.order.mode == ServiceMode::OnSite
                        && self
                            .order
                            .open_visit()
                            .is_some_and(|v| v.id_shown_at.is_none())
                    {
                        self.run(tech, OrderOp::ShowWorkId)?;
                    }
                    let called = self.order.receipt.as_ref().is_some_and(|r| {
                        self.order
                            .contacts
                            .iter()
                            .any(|c| c.reached && c.at >= r.at)
                    });
                    if self.order.mode == ServiceMode::MailIn && !called {
                        // The fault is confirmed with a mail-in customer by phone.
                        let id = self.id();
                        self.run(
                            tech,
                            OrderOp::LogContact {
                                id,
                                channel: ContactChannel::Phone,
                                reached: true,
                                note: "fault confirmed by phone".into(),
                            },
                        )?;
                    }
                    if self.order.fault_confirmed.is_none() {
                        self.run(
                            tech,
                            OrderOp::ConfirmFault {
                                note: "E21, drum does not spin".into(),
                            },
                        )?;
                    }
                    if self.order.diagnosis.is_none() {
                        let estimated_fee = self.estimate();
                        self.run(
                            tech,
                            OrderOp::RecordDiagnosis {
                                cause: "brushes worn".into(),
                                plan: "replace brushes".into(),
                                parts: vec!["BR-21".into()],
                                tools: "kit".into(),
                                estimated_minutes: 60,
                                estimated_fee,
                                risks: "none".into(),
                                touches_data: false,
                            },
                        )?;
                    }
                    if self
                        .settings
                        .needs_plan_approval(self.order.request.classification)
                        && self.order.plan_approval.is_none()
                    {
                        self.run(
                            self.cast.supervisor,
                            OrderOp::ApprovePlan { note: "ok".into() },
                        )?;
                    }
                    let fee_agreed = self.order.is_chargeable().then(|| self.estimate());
                    self.run(
                        tech,
                        OrderOp::RecordConsent {
                            customer_name: "王芳".into(),
                            fee_agreed,
                            by_phone: false,
                        },
                    )?
                }
                S::PlanAgreed => {
                    let id = self.id();
                    self.run(
                        tech,
                        OrderOp::AddRepairStep {
                            id,
                            description: "replace brushes".into(),
                            minutes: 30,
                        },
                    )?
                }
                S::InRepair => {
                    let id = self.id();
                    self.run(
                        tech,
                        OrderOp::RecordTest {
                            id,
                            passed: true,
                            notes: "spins".into(),
                            care_advice_given: true,
                        },
                    )?
                }
                S::Tested if self.order.mode == ServiceMode::MailIn => {
                    if self.order.is_chargeable() && self.order.payment.is_none() {
                        let amount = self.order.fee.clone();
                        self.run(
                            self.cast.dispatcher,
                            OrderOp::RecordPayment {
                                amount,
                                method: "bank transfer".into(),
                                reference: "T-1".into(),
                            },
                        )?;
                    }
                    self.run(
                        tech,
                        OrderOp::ShipBack {
                            carrier: "SF".into(),
                            tracking: "SF1234567890".into(),
                        },
                    )?
                }
                S::Tested => {
                    let id = self.id();
                    self.run(
                        tech,
                        OrderOp::SignOff {
                            id,
                            signer: "王芳".into(),
                            rating: Some(5),
                            signature_blob: "ab".repeat(32),
                        },
                    )?
                }
                S::SignedOff | S::ShippedBack => self.run(tech, OrderOp::Close)?,
                S::Closed | S::Cancelled | S::OnHold => return Ok(()),
            }
        }
        Ok(())
    }
}
