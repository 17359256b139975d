//! `onsite-server seed-demo`: a realistic demo office. Staff for every role with known
//! passwords, orders in every state with Chinese and English customers, a parts catalog,
//! the warehouse and a stocked van per technician, built by replaying the same domain
//! operations the app makes.

use automerge::AutoCommit;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionOp};
use onsite_core::fixtures::{self, Cast};
use onsite_core::ids::{LocationId, PartId, RecordId, RequisitionId};
use onsite_core::lifecycle::OrderState;
use onsite_core::money::Money;
use onsite_core::records::catalog::{Location, LocationKind, Part};
use onsite_core::records::order::HoldKind;
use onsite_core::records::request::{Customer, CustomerTier, ServiceMode};
use onsite_core::role::{Actor, Role};
use onsite_core::{ops, Calendar, Ctx, CustomerId, Settings};
use rusqlite::Connection;

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
];

const MODELS: &[(&str, &str)] = &[
    ("WM-8000", "E21"),
    ("AC-3500 split air conditioner", "E4"),
    ("RF-620 refrigerator", "F2"),
    ("DW-12 dishwasher", "E15"),
];

/// The states the demo shows, in order; technicians get the active ones.
const STATES: &[OrderState] = &[
    OrderState::New,
    OrderState::New,
    OrderState::Dispatched,
    OrderState::Dispatched,
    OrderState::Contacted,
    OrderState::OnSite,
    OrderState::PlanAgreed,
    OrderState::InRepair,
    OrderState::Tested,
    OrderState::SignedOff,
    OrderState::Closed,
    OrderState::Cancelled,
    OrderState::OnHold,
    OrderState::Dispatched,
];

/// Seeds the demo office into an empty database. Refuses a database that already has
/// users, so it never mixes demo data into a real office.
pub fn seed(conn: &Connection, now: DateTime<Utc>) -> Result<SeedReport, ApiError> {
    let users: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
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
    // Replay each order's history so that it ends a little before now.
    let span = lifecycle.last().map(|s| s.2).unwrap_or(0);
    let mut orders = 0;
    for (i, target) in STATES.iter().enumerate() {
        let seed = i as u128 + 1;
        let (name, phone, address) = CUSTOMERS[i % CUSTOMERS.len()];
        let (model, fault) = MODELS[i % MODELS.len()];
        let mut new = fixtures::new_order(
            seed,
            ServiceMode::OnSite,
            NaiveDate::from_ymd_opt(2024 + (i % 3) as i32, 3 + (i % 8) as u32, 12),
        );
        new.number = format!("WO-{}-{:05}", now.format("%Y%m"), 100 + i);
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
        let base = now - Duration::minutes(span + 30 + 90 * i as i64);
        let ctx = |actor, minutes: i64| Ctx {
            actor,
            now: base + Duration::minutes(minutes),
            settings: &settings,
            calendar: &calendar,
        };
        let mut doc = AutoCommit::new();
        let order = OrderDoc::new(new, &ctx(cast.dispatcher, 0))?;
        ops::create(&mut doc, &order, &ctx(cast.dispatcher, 0))?;
        let mut state = OrderState::New;
        let goal = match target {
            OrderState::Cancelled | OrderState::OnHold => OrderState::Contacted,
            other => *other,
        };
        for (actor, op, minutes) in &lifecycle {
            if state == goal {
                break;
            }
            // The second technician gets every third dispatched order.
            let op = match op {
                OrderOp::Dispatch { window, .. } if i % 3 == 2 => OrderOp::Dispatch {
                    assignee: cast.other_technician.user,
                    window: window.clone(),
                },
                other => other.clone(),
            };
            let actor = if i % 3 == 2 && actor.role == Role::Technician {
                cast.other_technician
            } else {
                *actor
            };
            state = ops::apply(&mut doc, &op, &ctx(actor, *minutes))?.doc.state;
        }
        let end = ctx(cast.dispatcher, span);
        match target {
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
            now - Duration::days(3),
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
        now: now - Duration::days(2) + Duration::minutes(minutes),
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

    use onsite_core::stock::OverUse;

    #[test]
    fn the_demo_has_every_role_and_orders_in_every_state() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let db = crate::db::open(dir.path())?;
        let report = db.transaction(|tx| seed(tx, Utc::now()))?;
        assert_eq!(report.orders, STATES.len());

        let conn = db.conn();
        let roles: Vec<String> = conn
            .prepare("SELECT DISTINCT role FROM users ORDER BY role")?
            .query_map([], |r| r.get(0))?
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
        for want in STATES {
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
}
