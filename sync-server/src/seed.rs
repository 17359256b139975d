//! `onsite-server seed-demo`: a realistic demo office. Staff for every role with known
//! passwords, orders in every state with Chinese and English customers, a parts catalog,
//! the warehouse and a stocked van per technician, built by replaying the same domain
//! operations the app makes.

use crate::db::Connection;
use automerge::AutoCommit;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionOp};
use onsite_core::doc::TimeWindow;
use onsite_core::fixtures::{self, Cast};
use onsite_core::ids::{LocationId, PartId, RecordId, RequisitionId};
use onsite_core::lifecycle::OrderState;
use onsite_core::money::Money;
use onsite_core::records::catalog::{Location, LocationKind, Part};
use onsite_core::records::order::HoldKind;
use onsite_core::records::request::{Customer, CustomerTier, ServiceMode};
use onsite_core::role::{Actor, Role};
use onsite_core::{ops, Calendar, Ctx, CustomerId, Settings};

use crate::accounts;
use crate::error::ApiError;
use crate::reference;
use crate::sync::docs::{self, StoredDoc};
use crate::sync::protocol::DocKind;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "onsite-demo";

/// The demo staff: login, name, and who they are in the fixtures' cast.
pub fn demo_staff(cast: &Cast) -> Vec<(&'static str, &'static str, Actor)> {
    vec![
        ("tech", "李伟", cast.technician),
        ("tech2", "Chen Jie", cast.other_technician),
        ("dispatcher", "王芳", cast.dispatcher),
        ("support", "Zhao Min", cast.support),
        ("supervisor", "刘洋", cast.supervisor),
        ("storekeeper", "孙丽", cast.storekeeper),
    ]
}

const CUSTOMERS: &[(&str, &str, &str)] = &[
    ("张伟", "13800138001", "北京市朝阳区建国路88号 3单元 1202"),
    (
        "Emily Carter",
        "13911112222",
        "Room 1805, 1 Century Avenue, Pudong, Shanghai",
    ),
    ("李娜", "13700007777", "上海市徐汇区漕溪北路 45 弄 6 号 301"),
    (
        "陈晨",
        "13612345678",
        "广州市天河区体育西路 191 号 中石化大厦 B 座 2008",
    ),
    (
        "Daniel Müller",
        "18600001111",
        "Apt 6B, 28 Xinyuan South Road, Chaoyang, Beijing",
    ),
    (
        "王秀英",
        "13512349876",
        "深圳市南山区科技园南区 深南大道 9988 号",
    ),
    (
        "刘强",
        "13366668888",
        "杭州市西湖区文三路 398 号 东信大厦 7 楼",
    ),
    (
        "Sofia Rossi",
        "15800002222",
        "Unit 12, 399 West Haiyang Road, Pudong, Shanghai",
    ),
    (
        "赵磊",
        "13922223333",
        "成都市武侯区天府大道北段 1700 号 环球中心 N1-1606",
    ),
    ("黄敏", "18911115555", "南京市鼓楼区中山北路 30 号 2 栋 502"),
    (
        "周杰",
        "13011112233",
        "武汉市江汉区解放大道 690 号 武汉国际广场 A 座 15F",
    ),
    (
        "Wu Hao",
        "17722224444",
        "18 Huaihai Middle Road, Huangpu, Shanghai",
    ),
    (
        "孙建国",
        "13855556666",
        "天津市和平区南京路 219 号 天津中心 2201",
    ),
    (
        "Olivia Brown",
        "13699990000",
        "Flat 3, 55 Nanjing West Road, Jing'an, Shanghai",
    ),
    (
        "马丽",
        "13577778888",
        "西安市雁塔区高新路 52 号 高科大厦 1103",
    ),
    ("郑浩", "15988889999", "重庆市渝中区民族路 188 号 WFC 3306"),
];

const MODELS: &[(&str, &str)] = &[
    ("WM-8000", "E21"),
    ("AC-3500 split air conditioner", "E4"),
    ("RF-620 refrigerator", "F2"),
    ("DW-12 dishwasher", "E15"),
];

const H: i64 = 60;
const D: i64 = 24 * H;

/// Who works a demo order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tech {
    /// Nobody yet.
    None,
    /// 李伟 (`tech`).
    First,
    /// Chen Jie (`tech2`).
    Second,
}

/// When a visit is booked, in the company's local time.
#[derive(Clone, Copy)]
enum Slot {
    /// No window.
    None,
    /// Two hours from this hour, on the day the demo is seeded.
    Today(u32),
    /// Two hours from this hour, the day after.
    Tomorrow(u32),
    /// Around the check-in (the visit has happened).
    AroundVisit,
}

/// One demo order: where it ends, for whom, and when each phase happened, in minutes
/// before the instant the demo is seeded (`None`: not reached). The instants are chosen
/// so that, at that instant, the office sees a working day: visits booked today, three
/// orders at risk, exactly one breached (an order on hold for parts past its 48 h and
/// 72 h clocks), the rest on track or met, with every stopped clock met. With the
/// regulation's figures: first response 24 h (at risk after 18 h), first handling 48 h,
/// resolution 72 h, contact after dispatch 24 h, record entry 2 working days, follow-up
/// 3 working days.
struct DemoOrder {
    state: OrderState,
    customer: usize,
    model: usize,
    tech: Tech,
    received: i64,
    dispatched: Option<i64>,
    /// The contact that reached the customer (a failed attempt came 30 min earlier).
    contacted: Option<i64>,
    /// Check-in; the rest of the visit follows the lifecycle's own pace.
    visit: Option<i64>,
    window: Slot,
    /// Closed orders: the follow-up call, a day after closing.
    followed_up: bool,
    /// Hold or cancellation.
    ended: Option<i64>,
    /// Uses parts from the van (the older orders' visits predate this month's top-up).
    uses_parts: bool,
}

const fn order(
    state: OrderState,
    customer: usize,
    model: usize,
    tech: Tech,
    received: i64,
) -> DemoOrder {
    DemoOrder {
        state,
        customer,
        model,
        tech,
        received,
        dispatched: None,
        contacted: None,
        visit: None,
        window: Slot::None,
        followed_up: false,
        ended: None,
        uses_parts: true,
    }
}

impl DemoOrder {
    const fn dispatched(mut self, at: i64, window: Slot) -> Self {
        self.dispatched = Some(at);
        self.window = window;
        self
    }
    const fn contacted(mut self, at: i64) -> Self {
        self.contacted = Some(at);
        self
    }
    const fn visited(mut self, at: i64) -> Self {
        self.visit = Some(at);
        self.window = Slot::AroundVisit;
        self
    }
    const fn ended(mut self, at: i64) -> Self {
        self.ended = Some(at);
        self
    }
    const fn followed_up(mut self) -> Self {
        self.followed_up = true;
        self
    }
    const fn no_parts(mut self) -> Self {
        self.uses_parts = false;
        self
    }
}

/// The demo's orders. The first fourteen keep their customers, states and technicians
/// across versions of the demo (the browser tests find orders by them).
const DEMO: &[DemoOrder] = &[
    // Taken in two hours ago, not dispatched yet.
    order(OrderState::New, 0, 0, Tech::None, 2 * H),
    // Taken in yesterday afternoon and nobody has called back: first response at risk.
    order(OrderState::New, 1, 1, Tech::None, 20 * H),
    // Dispatched 19 h ago, not called yet: contact after dispatch at risk. Booked today.
    order(OrderState::Dispatched, 2, 2, Tech::Second, 19 * H + 30)
        .dispatched(19 * H, Slot::Today(14)),
    order(OrderState::Dispatched, 3, 3, Tech::First, 3 * H).dispatched(2 * H + 30, Slot::Today(16)),
    order(OrderState::Contacted, 4, 0, Tech::First, 5 * H)
        .dispatched(4 * H + 30, Slot::Today(14))
        .contacted(3 * H + 30),
    // Visits under way today.
    order(OrderState::OnSite, 5, 1, Tech::Second, 26 * H)
        .dispatched(25 * H, Slot::None)
        .contacted(24 * H)
        .visited(40),
    order(OrderState::PlanAgreed, 6, 2, Tech::First, 28 * H)
        .dispatched(27 * H, Slot::None)
        .contacted(26 * H)
        .visited(75),
    order(OrderState::InRepair, 7, 3, Tech::First, 30 * H)
        .dispatched(29 * H, Slot::None)
        .contacted(28 * H)
        .visited(2 * H),
    order(OrderState::Tested, 8, 0, Tech::Second, 2 * D)
        .dispatched(47 * H, Slot::None)
        .contacted(46 * H)
        .visited(2 * H + 30),
    order(OrderState::SignedOff, 9, 1, Tech::First, 30 * H)
        .dispatched(29 * H, Slot::None)
        .contacted(28 * H)
        .visited(3 * H),
    // Closed last week, with its follow-up call.
    order(OrderState::Closed, 10, 2, Tech::First, 8 * D)
        .dispatched(8 * D - 30, Slot::None)
        .contacted(8 * D - 90)
        .visited(7 * D - H)
        .followed_up(),
    order(OrderState::Cancelled, 11, 3, Tech::Second, 3 * D)
        .dispatched(3 * D - 30, Slot::None)
        .contacted(3 * D - 2 * H)
        .ended(3 * D - 5 * H),
    // The one breached order: on hold for four days waiting for a part, past its first
    // handling (48 h) and resolution (72 h) clocks.
    order(OrderState::OnHold, 0, 0, Tech::First, 4 * D)
        .dispatched(4 * D - H, Slot::None)
        .contacted(4 * D - 2 * H)
        .ended(4 * D - 3 * H),
    // Dispatched 18 h ago, not called yet: at risk. Booked today.
    order(OrderState::Dispatched, 1, 1, Tech::First, 19 * H)
        .dispatched(18 * H + 30, Slot::Today(11)),
    // Closed two weeks ago, followed up.
    order(OrderState::Closed, 12, 2, Tech::Second, 15 * D)
        .dispatched(15 * D - H, Slot::None)
        .contacted(15 * D - 2 * H)
        .visited(14 * D - 2 * H)
        .followed_up()
        .no_parts(),
    // Closed yesterday; the follow-up call is not due yet.
    order(OrderState::Closed, 13, 3, Tech::Second, 52 * H)
        .dispatched(51 * H, Slot::None)
        .contacted(50 * H)
        .visited(D + H)
        .no_parts(),
    // Booked for tomorrow.
    order(OrderState::Contacted, 14, 0, Tech::Second, 4 * H)
        .dispatched(3 * H + 30, Slot::Tomorrow(10))
        .contacted(2 * H + 30),
    order(OrderState::Contacted, 15, 1, Tech::First, 6 * H)
        .dispatched(5 * H + 30, Slot::Tomorrow(15))
        .contacted(4 * H + 30),
];

/// How far to move an order taken in at `received` so that it is taken in at 09:00 on
/// a working day followed by another, on or before its own day: the closed demo orders'
/// visits come the next day, so both days are worked and none of their steps falls at
/// night or on a weekend.
fn office_hours_shift(calendar: &Calendar, received: DateTime<Utc>) -> Duration {
    let mut day = calendar.local_date(received);
    // Bounded: a calendar with no two working days in a row in a month is not a company's.
    for _ in 0..31 {
        let next = day.succ_opt().unwrap_or(day);
        if calendar.is_working_day(day) && calendar.is_working_day(next) {
            break;
        }
        day = day.pred_opt().unwrap_or(day);
    }
    calendar.day_span(day).0 + Duration::hours(9) - received
}

/// Seeds the demo office into an empty database. Refuses a database that already has
/// users, so it never mixes demo data into a real office.
pub fn seed(conn: &Connection, now: DateTime<Utc>) -> Result<SeedReport, ApiError> {
    let users: i64 = conn.query_row("SELECT count(*) FROM users", (), |r| r.get(0))?;
    if users > 0 {
        return Err(ApiError::bad_request(
            "errors.seed.not_empty",
            "this data folder already has users; seed the demo into a new one",
        ));
    }
    let cast = Cast::default();
    for (login, name, actor) in demo_staff(&cast) {
        accounts::add_with_id(
            conn,
            &actor.user.to_string(),
            login,
            name,
            actor.role,
            DEMO_PASSWORD,
        )?;
    }

    // The company's stored rules: a demo seeded after a supervisor saved settings or a
    // calendar follows them, like every order the office creates.
    let rules = crate::company::rules(conn)?;
    let (settings, calendar) = (rules.settings().clone(), rules.calendar.clone());
    seed_stock(conn, &cast, now, &settings, &calendar)?;
    let lifecycle = fixtures::on_site_lifecycle(&cast, 28_000, 6);
    // The lifecycle's own minute of the check-in: the visit's steps keep their pace
    // from there.
    let check_in = lifecycle
        .iter()
        .find(|s| matches!(s.1, OrderOp::CheckIn { .. }))
        .map(|s| s.2)
        .unwrap_or(0);
    let today = calendar.local_date(now);
    let at_hour =
        |date: NaiveDate, hour: u32| calendar.day_span(date).0 + Duration::hours(hour.into());
    let mut orders = 0;
    for (i, plan) in DEMO.iter().enumerate() {
        // A closed order's steps all lie days back: they move to office hours, so the
        // KPIs' working-hour times are real whatever hour the demo is seeded at.
        let shift = match plan.state {
            OrderState::Closed => {
                office_hours_shift(&calendar, now - Duration::minutes(plan.received))
            }
            _ => Duration::zero(),
        };
        let ago = |minutes: i64| now - Duration::minutes(minutes) + shift;
        let seed = i as u128 + 1;
        let (name, phone, address) = CUSTOMERS[plan.customer % CUSTOMERS.len()];
        let (model, fault) = MODELS[plan.model % MODELS.len()];
        let received = ago(plan.received);
        // Bought between three months and under three years before: in warranty.
        let purchase = today - Duration::days(90 + 53 * i as i64);
        let mut new = fixtures::new_order(seed, ServiceMode::OnSite, Some(purchase));
        new.number = format!("WO-{}-{:05}", now.format("%Y%m"), 100 + i);
        new.request.received_at = received;
        new.request.fault_since = Some(calendar.local_date(received) - Duration::days(1));
        new.customer = Customer {
            id: CustomerId(fixtures::uuid(3000 + seed)),
            name: name.into(),
            phone: phone.into(),
            address: address.into(),
            tier: if i % 5 == 0 {
                CustomerTier::KeyAccount
            } else {
                CustomerTier::Regular
            },
        };
        new.product.model = model.into();
        new.fault_code = fault.into();
        let (technician, van) = match plan.tech {
            Tech::Second => (cast.other_technician, LocationId(fixtures::uuid(12))),
            _ => (cast.technician, cast.van),
        };
        let visit = plan.visit.map(ago);
        let window = match plan.window {
            Slot::None => None,
            Slot::Today(hour) => Some(at_hour(today, hour)),
            Slot::Tomorrow(hour) => Some(at_hour(today + Duration::days(1), hour)),
            // Booked on the hour before the technician arrived.
            Slot::AroundVisit => {
                visit.map(|v| v - Duration::minutes(v.timestamp().rem_euclid(3600) / 60 + H))
            }
        }
        .map(|start| TimeWindow {
            start,
            end: start + Duration::hours(2),
        });
        // When each scripted step happened: the phase it belongs to, at the plan's instant.
        let when = |op: &OrderOp, minute: i64| -> DateTime<Utc> {
            let contact = plan.contacted.map(ago).unwrap_or(received);
            let visit = visit.unwrap_or(received);
            match op {
                OrderOp::Dispatch { .. } => plan.dispatched.map(ago).unwrap_or(received),
                OrderOp::LogContact { reached: false, .. } => contact - Duration::minutes(30),
                OrderOp::LogContact { .. } => contact,
                OrderOp::Schedule { .. } => contact + Duration::minutes(1),
                _ => visit + Duration::minutes(minute - check_in),
            }
        };
        let ctx = |actor, now: DateTime<Utc>| Ctx {
            actor,
            now,
            settings: &settings,
            calendar: &calendar,
        };
        let mut doc = AutoCommit::new();
        let order = OrderDoc::new(new, &ctx(cast.dispatcher, received))?;
        ops::create(&mut doc, &order, &ctx(cast.dispatcher, received))?;
        let mut state = OrderState::New;
        let goal = match plan.state {
            OrderState::Cancelled | OrderState::OnHold => OrderState::Contacted,
            other => other,
        };
        for (actor, op, minute) in &lifecycle {
            // A contacted order goes on to book its visit, and a closed one to its
            // follow-up call when it has had one.
            let next = match op {
                OrderOp::Schedule { .. } => window.is_some(),
                OrderOp::FollowUp { .. } => plan.followed_up,
                _ => false,
            };
            if state == goal && !next {
                break;
            }
            let op = match op {
                OrderOp::Dispatch { .. } => {
                    if plan.tech == Tech::None {
                        break;
                    }
                    OrderOp::Dispatch {
                        assignee: technician.user,
                        window: window.clone().filter(|_| plan.contacted.is_none()),
                    }
                }
                OrderOp::Schedule { .. } => match &window {
                    Some(window) => OrderOp::Schedule {
                        window: window.clone(),
                    },
                    None => continue,
                },
                OrderOp::UsePart { .. } if !plan.uses_parts => continue,
                OrderOp::UsePart {
                    id,
                    part,
                    part_number,
                    certified,
                    serialized,
                    quantity,
                    serials_new,
                    serials_old,
                    ..
                } => OrderOp::UsePart {
                    id: *id,
                    part: *part,
                    part_number: part_number.clone(),
                    certified: *certified,
                    serialized: *serialized,
                    quantity: *quantity,
                    serials_new: serials_new.clone(),
                    serials_old: serials_old.clone(),
                    location: van,
                },
                other => other.clone(),
            };
            let actor = if actor.role == Role::Technician {
                technician
            } else {
                *actor
            };
            state = ops::apply(&mut doc, &op, &ctx(actor, when(&op, *minute)))?
                .doc
                .state;
        }
        let end = ctx(cast.dispatcher, plan.ended.map(ago).unwrap_or(now));
        match plan.state {
            OrderState::Cancelled => {
                ops::apply(
                    &mut doc,
                    &OrderOp::Cancel {
                        reason: "客户已自行修好 / customer fixed it".into(),
                    },
                    &end,
                )?;
            }
            OrderState::OnHold => {
                let hold = OrderOp::Hold {
                    kind: HoldKind::WaitingForParts,
                    reason: "等待压缩机到货 / waiting for compressor".into(),
                };
                ops::apply(&mut doc, &hold, &end)?;
            }
            _ => {}
        }
        let mut stored = StoredDoc {
            id: order.id.to_string(),
            kind: DocKind::Order,
            owner: crate::sync::policy::owner_of(DocKind::Order, &doc)
                .map_err(ApiError::internal)?,
            doc,
        };
        docs::save(conn, &mut stored)?;
        orders += 1;
    }
    Ok(SeedReport {
        users: demo_staff(&cast).len(),
        orders,
    })
}

/// The demo catalog: (number, name, price in fen, serialized, barcode).
const PARTS: &[(&str, &str, i64, bool, &str)] = &[
    ("BR-21", "排水泵 Drain pump", 12_000, true, "6901234500217"),
    (
        "BR-22",
        "电机碳刷 Motor brushes (pair)",
        3_500,
        false,
        "6901234500224",
    ),
    ("BR-23", "门封圈 Door gasket", 8_800, false, "6901234500231"),
    (
        "PCB-WM8",
        "主控板 WM-8000 main board",
        46_000,
        true,
        "6901234500804",
    ),
    (
        "CMP-35",
        "压缩机启动电容 Compressor start capacitor",
        6_500,
        false,
        "6901234503508",
    ),
    (
        "SNS-NTC",
        "温度传感器 NTC temperature sensor",
        2_800,
        false,
        "6901234509901",
    ),
    (
        "FAN-62",
        "冷凝风扇电机 Condenser fan motor",
        15_800,
        true,
        "6901234506201",
    ),
    (
        "HOSE-15",
        "进水管 1.5 m Inlet hose",
        3_000,
        false,
        "6901234501509",
    ),
];

/// The catalog, the warehouse, a van per technician, and a requisition per van issued by
/// the storekeeper, so every van starts with stock the ledger can account for.
fn seed_stock(
    conn: &Connection,
    cast: &Cast,
    now: DateTime<Utc>,
    settings: &Settings,
    calendar: &Calendar,
) -> Result<(), ApiError> {
    let parts: Vec<Part> = PARTS
        .iter()
        .enumerate()
        .map(|(i, (number, name, price, serialized, barcode))| Part {
            id: PartId(fixtures::uuid(500 + i as u128)),
            number: (*number).into(),
            name: (*name).into(),
            unit: "pcs".into(),
            price: Money::new(*price, "CNY"),
            serialized: *serialized,
            valuable: *price > 40_000,
            certified: true,
            barcode: (*barcode).into(),
        })
        .collect();
    for part in &parts {
        reference::put_part(conn, part)?;
    }
    reference::put_location(
        conn,
        &Location {
            id: cast.warehouse,
            name: "北京中心仓 Beijing central warehouse".into(),
            kind: LocationKind::Warehouse,
            holder: None,
        },
    )?;
    // Goods received before anything was issued, so the warehouse's book stock covers
    // what the vans were given.
    let keeper = crate::office::audit::By {
        id: None,
        name: "孙丽",
    };
    for (i, part) in parts.iter().enumerate() {
        let quantity: u32 = if part.serialized { 6 } else { 20 };
        let receipt = onsite_core::office::StockReceipt {
            id: onsite_core::ids::MovementId(fixtures::uuid(40_000 + i as u128)),
            warehouse: cast.warehouse,
            part: part.id,
            quantity,
            serials: if part.serialized {
                (1..=quantity)
                    .map(|k| format!("SN-{}-W{k:03}", part.number))
                    .collect()
            } else {
                vec![]
            },
            note: "期初库存 opening stock".into(),
        };
        crate::office::stock::receive(
            conn,
            cast.storekeeper,
            keeper,
            &receipt,
            now - Duration::days(30),
        )?;
    }
    let vans = [
        (cast.technician, cast.van, "李伟的车 京A·D3821"),
        (
            cast.other_technician,
            LocationId(fixtures::uuid(12)),
            "Chen Jie's van 沪B·F6610",
        ),
    ];
    let at = |actor, minutes: i64| Ctx {
        actor,
        // This month's top-up, before any of the demo's visits used a part.
        now: now - Duration::days(28) + Duration::minutes(minutes),
        settings,
        calendar,
    };
    for (n, (tech, van, name)) in vans.iter().enumerate() {
        reference::ensure_van(conn, tech.user, name, *van)?;
        let ctx = |minutes| at(cast.storekeeper, minutes);
        let id = RequisitionId(fixtures::uuid(700 + n as u128));
        let req = RequisitionDoc::new(
            id,
            format!("RQ-{}-{:04}", now.format("%Y%m"), n + 1),
            tech.user,
            *van,
            cast.warehouse,
            None,
            &ctx(0),
        )?;
        let mut doc = AutoCommit::new();
        ops::create(&mut doc, &req, &ctx(0))?;
        let line = |i: usize| RecordId(fixtures::uuid(10_000 + 100 * n as u128 + i as u128));
        let quantity = |part: &Part| if part.serialized { 2 } else { 5 };
        for (i, part) in parts.iter().enumerate() {
            let add = RequisitionOp::AddLine {
                id: line(i),
                part: part.id,
                part_number: part.number.clone(),
                valuable: part.valuable,
                serialized: part.serialized,
                quantity: quantity(part),
            };
            ops::apply(&mut doc, &add, &ctx(1))?;
        }
        let approve = RequisitionOp::Approve {
            id: RecordId(fixtures::uuid(20_000 + n as u128)),
            quantities: parts
                .iter()
                .enumerate()
                .map(|(i, p)| (line(i), quantity(p)))
                .collect(),
            note: "月初补货 monthly top-up".into(),
        };
        // Valuable parts (the main board) need a supervisor's approval.
        ops::apply(&mut doc, &approve, &at(cast.supervisor, 2))?;
        for (i, part) in parts.iter().enumerate() {
            let serials = if part.serialized {
                (1..=quantity(part))
                    .map(|k| format!("SN-{}-{}{k:03}", part.number, n + 1))
                    .collect()
            } else {
                vec![]
            };
            let issue = RequisitionOp::Issue {
                id: RecordId(fixtures::uuid(30_000 + 100 * n as u128 + i as u128)),
                line: line(i),
                quantity: quantity(part),
                serials,
            };
            ops::apply(&mut doc, &issue, &ctx(3))?;
        }
        let mut stored = StoredDoc {
            id: id.to_string(),
            kind: DocKind::Requisition,
            owner: crate::sync::policy::owner_of(DocKind::Requisition, &doc)
                .map_err(ApiError::internal)?,
            doc,
        };
        docs::save(conn, &mut stored)?;
    }
    Ok(())
}

/// What `seed` made.
#[derive(Debug)]
pub struct SeedReport {
    pub users: usize,
    pub orders: usize,
}

impl From<onsite_core::DomainError> for ApiError {
    fn from(err: onsite_core::DomainError) -> Self {
        ApiError::internal(format!("demo order: {err}"))
    }
}

impl From<onsite_core::doc::requisition::RequisitionError> for ApiError {
    fn from(err: onsite_core::doc::requisition::RequisitionError) -> Self {
        ApiError::internal(format!("demo requisition: {err}"))
    }
}

impl From<onsite_core::TransitionError> for ApiError {
    fn from(err: onsite_core::TransitionError) -> Self {
        ApiError::internal(format!("demo order: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::TimeZone;
    use onsite_core::kpi;
    use onsite_core::sla::{self, SlaStatus};
    use onsite_core::stock::OverUse;
    use onsite_core::CompanyRules;

    #[test]
    fn the_demo_has_every_role_and_orders_in_every_state() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let report = db.transaction(|tx| seed(tx, Utc::now()))?;
        assert_eq!(report.orders, DEMO.len());

        let conn = db.conn();
        let roles: Vec<String> = conn
            .prepare("SELECT DISTINCT role FROM users ORDER BY role")?
            .query_map((), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        assert_eq!(
            roles,
            [
                "dispatcher",
                "storekeeper",
                "supervisor",
                "support",
                "technician"
            ]
        );
        assert!(
            accounts::verify(&conn, "tech", DEMO_PASSWORD).is_ok(),
            "the README's login works"
        );

        let mut states = std::collections::BTreeSet::new();
        for (id, _) in docs::changed_since(&conn, 0, None, 1000)? {
            let stored = docs::load(&conn, &id)?.ok_or_else(|| anyhow::anyhow!("missing {id}"))?;
            if stored.kind == DocKind::Order {
                let order = ops::hydrate::<OrderDoc>(&stored.doc)?;
                states.insert(format!("{:?}", order.state));
            }
        }
        // Every movement the server knows: the receipts and every document's.
        let ledger = onsite_core::stock::Ledger::from_movements(
            crate::office::stock::ledger(&conn)?
                .into_iter()
                .map(|(m, _)| m),
        );
        let cast = Cast::default();
        let pump = PartId(fixtures::uuid(500));
        assert!(
            ledger.balance(pump, cast.van) > 0,
            "the demo technician's van has drain pumps left after the demo's repairs"
        );
        assert!(
            ledger.balance(pump, cast.warehouse) > 0,
            "the warehouse received more than it issued"
        );
        let over_used: Vec<OverUse> = ledger.over_use();
        assert!(
            over_used.is_empty(),
            "the demo starts with no over-used stock, in the vans or the warehouse: {over_used:?}"
        );
        assert_eq!(reference::load(&conn)?.parts.len(), PARTS.len());
        for want in DEMO.iter().map(|d| d.state) {
            assert!(
                states.contains(&format!("{want:?}")),
                "no demo order is {want:?}: {states:?}"
            );
        }
        drop(conn);
        let err = db.transaction(|tx| seed(tx, Utc::now())).unwrap_err();
        assert_eq!(
            err.code, "errors.seed.not_empty",
            "seeding twice is refused"
        );
        Ok(())
    }

    /// Each demo order with its worst clock at the instant it was seeded.
    type Verdicts = Vec<(OrderDoc, Option<SlaStatus>)>;

    /// The demo's orders at `now` (seeded into a fresh database at that instant), each
    /// with its worst clock as the office's reconciliation sees it then.
    fn seeded_at(now: DateTime<Utc>) -> anyhow::Result<(CompanyRules, Verdicts)> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        db.transaction(|tx| seed(tx, now))?;
        let conn = db.conn();
        let rules = crate::company::rules(&conn)?;
        let mut out = Vec::new();
        for (id, _) in docs::changed_since(&conn, 0, None, 1000)? {
            let stored = docs::load(&conn, &id)?.ok_or_else(|| anyhow::anyhow!("missing {id}"))?;
            if stored.kind == DocKind::Order {
                let order = ops::hydrate::<OrderDoc>(&stored.doc)?;
                let settings = &rules.for_order_doc(&order).settings;
                let worst =
                    sla::worst(&sla::evaluate_order(&order, settings, &rules.calendar, now));
                out.push((order, worst));
            }
        }
        Ok((rules, out))
    }

    #[test]
    fn seeded_on_any_day_the_demo_shows_todays_visits_a_few_at_risk_and_one_breached(
    ) -> anyhow::Result<()> {
        let cast = Cast::default();
        // A Wednesday morning, a Saturday evening, just after midnight on a Monday and
        // four in the morning on a Tuesday (Beijing time), in three different years.
        for now in [
            Utc.with_ymd_and_hms(2027, 3, 10, 2, 15, 0).single(),
            Utc.with_ymd_and_hms(2028, 8, 19, 13, 40, 0).single(),
            Utc.with_ymd_and_hms(2026, 12, 6, 16, 20, 0).single(),
            Utc.with_ymd_and_hms(2026, 12, 7, 20, 0, 0).single(),
        ] {
            let now = now.ok_or_else(|| anyhow::anyhow!("a valid instant"))?;
            let (rules, orders) = seeded_at(now)?;
            let today = rules.calendar.local_date(now);
            let booked_on = |o: &OrderDoc| {
                o.schedule
                    .as_ref()
                    .map(|w| rules.calendar.local_date(w.start))
            };
            for tech in [cast.technician, cast.other_technician] {
                let visits = orders
                    .iter()
                    .filter(|(o, _)| o.assignee == Some(tech.user) && booked_on(o) == Some(today))
                    .count();
                assert!(
                    visits >= 1,
                    "{now}: technician {} has a visit booked on {today}",
                    tech.user
                );
            }
            let booked_today = orders
                .iter()
                .filter(|(o, _)| booked_on(o) == Some(today))
                .count();
            assert!(
                booked_today >= 4,
                "{now}: visits booked on {today}: {booked_today}"
            );
            assert!(
                orders
                    .iter()
                    .any(|(o, _)| booked_on(o).is_some_and(|d| d > today)),
                "{now}: some visits are booked for the coming days"
            );
            let count = |status| orders.iter().filter(|(_, s)| *s == Some(status)).count();
            assert_eq!(
                count(SlaStatus::Breached),
                1,
                "{now}: exactly one order is breached"
            );
            assert!(
                count(SlaStatus::AtRisk) >= 2,
                "{now}: a few orders are at risk"
            );
            let breached = orders
                .iter()
                .find(|(_, s)| *s == Some(SlaStatus::Breached))
                .map(|(o, _)| o.state);
            assert_eq!(
                breached,
                Some(OrderState::OnHold),
                "{now}: the breach is the order waiting for parts"
            );
            let closed: Vec<_> = orders
                .iter()
                .filter(|(o, _)| o.state == OrderState::Closed)
                .collect();
            assert!(
                closed
                    .iter()
                    .filter(|(o, _)| !o.follow_ups.is_empty())
                    .count()
                    >= 2,
                "{now}: orders closed earlier had their follow-up call"
            );
            // The KPI page's working-hour times are not 0.0 h, whatever the hour of seeding.
            for (o, _) in &closed {
                let settings = &rules.for_order_doc(o).settings;
                let row = kpi::order_row(o, settings, &rules.calendar, now);
                let worked = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| {
                    a.zip(b)
                        .map(|(a, b)| kpi::working_hours_between(&rules.calendar, a, b))
                };
                for (what, hours) in [
                    ("contact", worked(row.dispatched_at, row.contacted_at)),
                    ("arrival", worked(row.dispatched_at, row.arrived_at)),
                    ("repair", worked(row.arrived_at, row.repaired_at)),
                ] {
                    assert!(
                        hours.is_some_and(|h| h > Duration::zero()),
                        "{now}: closed order {}: working time to {what}: {hours:?}",
                        o.number
                    );
                }
            }
            assert!(
                orders
                    .iter()
                    .all(|(o, _)| o.request.received_at <= now
                        && o.history.iter().all(|h| h.at <= now)),
                "{now}: nothing happened after the instant it was seeded"
            );
            // The browser suites run minutes after seeding: the mix holds for an hour.
            let later = now + Duration::hours(1);
            let breached_later = orders
                .iter()
                .filter(|(o, _)| {
                    let settings = &rules.for_order_doc(o).settings;
                    sla::worst(&sla::evaluate_order(o, settings, &rules.calendar, later))
                        == Some(SlaStatus::Breached)
                })
                .count();
            assert_eq!(
                breached_later, 1,
                "{now}: an hour later, still one breached"
            );
        }
        Ok(())
    }
}
