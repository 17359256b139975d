//! Demo and test data: realistic orders (Chinese and Latin customers) and the
//! operations of a full on-site visit, for the tests, the benchmarks, the crash-safety
//! writer and the demo seed. No storage here.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use onsite_core::doc::order::NewOrder;
use onsite_core::doc::TimeWindow;
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::{
    Channel, Classification, Customer, CustomerTier, Priority, Product, ServiceMode, ServiceRequest,
};
use onsite_core::{
    Actor, Calendar, Ctx, CustomerId, LocationId, Money, OrderId, OrderOp, PartId, RecordId,
    RequestId, Role, Settings, UserId,
};
use uuid::Uuid;

const SURNAMES: [&str; 10] = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴"];
const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"];
const LATIN: [&str; 6] = [
    "Anna Schmidt",
    "John Smith",
    "María García",
    "Li Wei",
    "Olivia Brown",
    "Noah Müller",
];
const DISTRICTS: [&str; 6] = [
    "北京市朝阳区建国路88号",
    "上海市浦东新区世纪大道100号",
    "广州市天河区体育西路1号",
    "深圳市南山区科技园南区",
    "杭州市西湖区文三路259号",
    "成都市武侯区人民南路四段",
];
const MODELS: [&str; 5] = [
    "Haier BCD-470WDPG",
    "Midea KFR-35GW",
    "Gree Q-Li 1.5P",
    "Bosch WAU28440",
    "Siemens KG36NV",
];

/// A fixed id from a number, so fixtures are reproducible.
fn id(space: u64, i: u64) -> Uuid {
    Uuid::from_u64_pair(0x0190_0000_0000_7000 | space, 0x8000_0000_0000_0000 | i)
}

/// The cast and reference data of the fixtures.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Company settings (the regulation's defaults).
    pub settings: Settings,
    /// Calendar (China, weekends off).
    pub calendar: Calendar,
    /// The dispatcher who creates and dispatches orders.
    pub dispatcher: Actor,
    /// The technician who works them.
    pub technician: Actor,
    /// The technician's van.
    pub van: LocationId,
    /// The warehouse.
    pub warehouse: LocationId,
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture {
            settings: Settings::default(),
            calendar: Calendar::default(),
            dispatcher: Actor {
                user: UserId(id(1, 1)),
                role: Role::Dispatcher,
            },
            technician: Actor {
                user: UserId(id(1, 2)),
                role: Role::Technician,
            },
            van: LocationId(id(2, 1)),
            warehouse: LocationId(id(2, 2)),
        }
    }
}

impl Fixture {
    /// An operation context for `actor` at `now`.
    pub fn ctx(&self, actor: Actor, now: DateTime<Utc>) -> Ctx<'_> {
        Ctx {
            actor,
            now,
            settings: &self.settings,
            calendar: &self.calendar,
        }
    }

    /// Order number `i` received at `at`: customers alternate between Chinese names
    /// (two or three characters) and Latin ones, with Chinese addresses.
    pub fn new_order(&self, i: u64, at: DateTime<Utc>) -> NewOrder {
        let n = i as usize;
        let name = if n % 4 == 3 {
            LATIN[n / 4 % LATIN.len()].to_string()
        } else {
            let given: String = (0..1 + n % 2)
                .map(|k| GIVEN[(n / 3 + k * 5) % GIVEN.len()])
                .collect();
            format!("{}{}", SURNAMES[n % SURNAMES.len()], given)
        };
        NewOrder {
            id: OrderId(id(10, i)),
            number: format!("WO-2026-{i:06}"),
            request: ServiceRequest {
                id: RequestId(id(11, i)),
                channel: Channel::Phone,
                classification: Classification::Repair,
                received_at: at,
                description: "冰箱不制冷 / fridge not cooling".into(),
                fault_since: None,
                external_damage: String::new(),
            },
            customer: Customer {
                id: CustomerId(id(12, i)),
                name,
                phone: format!("138-{:04}-{:04}", (i * 7919) % 10_000, i % 10_000),
                address: DISTRICTS[n % DISTRICTS.len()].to_string(),
                tier: CustomerTier::Regular,
            },
            product: Product {
                model: MODELS[n % MODELS.len()].to_string(),
                serial: format!("SN{:04}X{:06}", 2020 + i % 6, i * 37 % 1_000_000),
                purchase_date: NaiveDate::from_ymd_opt(2025, 1 + (i % 12) as u32, 1),
                delivered_on: None,
            },
            mode: ServiceMode::OnSite,
            priority: Priority::Normal,
            fault_code: "no-cooling".into(),
            customer_damage: false,
            prior_repairs: vec![],
            settings_version: None,
        }
    }

    /// The operations of a full on-site visit after intake at `start`, each with its
    /// actor and a time offset from `start`: dispatch, contact, arrive, confirm, diagnose,
    /// consent, repair, part, test, sign, close.
    pub fn visit_ops(
        &self,
        i: u64,
        start: DateTime<Utc>,
        signature_blob: &str,
    ) -> Vec<(Actor, Duration, OrderOp)> {
        let (d, t) = (self.dispatcher, self.technician);
        let rec = |k: u64| RecordId(id(20 + k, i));
        vec![
            (
                d,
                Duration::minutes(10),
                OrderOp::Dispatch {
                    assignee: t.user,
                    window: Some(TimeWindow {
                        start: start + Duration::hours(26),
                        end: start + Duration::hours(28),
                    }),
                },
            ),
            (
                t,
                Duration::minutes(60),
                OrderOp::LogContact {
                    id: rec(1),
                    channel: ContactChannel::Phone,
                    reached: true,
                    note: "约好明天上午 / agreed tomorrow morning".into(),
                },
            ),
            (t, Duration::hours(26), OrderOp::CheckIn { visit: rec(2) }),
            (t, Duration::hours(26), OrderOp::ShowWorkId),
            (
                t,
                Duration::hours(26),
                OrderOp::ConfirmFault {
                    note: "压缩机不启动".into(),
                },
            ),
            (
                t,
                Duration::hours(26),
                OrderOp::RecordDiagnosis {
                    cause: "启动电容损坏 / start capacitor failed".into(),
                    plan: "更换启动电容".into(),
                    parts: vec!["CAP-450V".into()],
                    tools: "万用表".into(),
                    estimated_minutes: 40,
                    estimated_fee: Money::zero(&self.settings.currency),
                    risks: "none".into(),
                    touches_data: false,
                },
            ),
            (
                t,
                Duration::hours(26),
                OrderOp::RecordConsent {
                    customer_name: "customer".into(),
                    fee_agreed: None,
                    by_phone: false,
                },
            ),
            (
                t,
                Duration::hours(27),
                OrderOp::AddRepairStep {
                    id: rec(3),
                    description: "更换启动电容".into(),
                    minutes: 30,
                },
            ),
            (
                t,
                Duration::hours(27),
                OrderOp::UsePart {
                    id: rec(4),
                    part: PartId(id(30, i % 5)),
                    part_number: "CAP-450V".into(),
                    certified: true,
                    serialized: false,
                    quantity: 1,
                    serials_new: vec![],
                    serials_old: vec![],
                    location: self.van,
                },
            ),
            (
                t,
                Duration::hours(27),
                OrderOp::RecordTest {
                    id: rec(5),
                    passed: true,
                    notes: "制冷正常".into(),
                    care_advice_given: true,
                },
            ),
            (
                t,
                Duration::hours(27),
                OrderOp::SignOff {
                    id: rec(6),
                    signer: "customer".into(),
                    rating: Some(5),
                    signature_blob: signature_blob.into(),
                },
            ),
            (t, Duration::hours(28), OrderOp::Close),
        ]
    }
}

/// A fixed instant the fixtures start from (2026-05-26 00:00 UTC).
pub fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_600)
}
