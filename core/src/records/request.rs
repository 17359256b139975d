//! Intake (受理): the service request, its channel and classification, and the customer
//! and product snapshot an order carries.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CustomerId, RequestId};

/// Where a request came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 电话.
    Phone,
    /// 微信.
    WeChat,
    /// Company website.
    Website,
    /// Company app.
    App,
    /// Email.
    Email,
    /// Walk-in at a service point.
    WalkIn,
}

impl Channel {
    /// Online channels owe a first reply within 30 min (the online-message clock).
    pub fn is_online_message(self) -> bool {
        matches!(self, Channel::WeChat | Channel::Website | Channel::App)
    }
}

/// What the request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// 咨询: answered and closed at intake.
    Consultation,
    /// 技术支持.
    TechSupport,
    /// 维修.
    Repair,
    /// 安装.
    Installation,
    /// 投诉: becomes a complaint document.
    Complaint,
    /// 退换货.
    ReturnExchange,
}

/// How the repair is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ServiceMode {
    /// 上门维修: the technician visits.
    OnSite,
    /// 寄修: the customer ships the product; "received" replaces "on site" and the
    /// product is shipped back.
    MailIn,
    /// 送修: the customer brings the product in and collects it (and signs) there.
    CarryIn,
}

/// Normal or emergency (紧急): emergencies run the emergency clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// The usual clocks.
    Normal,
    /// Respond and be on site within the emergency figures.
    Emergency,
}

/// How often a customer is followed up beyond the per-order call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CustomerTier {
    /// Per-order follow-up only.
    Regular,
    /// Long-term customer: at least once a year.
    LongTerm,
    /// Key customer (重要客户): every half year.
    KeyAccount,
}

/// The customer as recorded on the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Customer {
    /// Stable id across orders.
    pub id: CustomerId,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Address for on-site work and shipping back.
    pub address: String,
    /// Follow-up tier.
    pub tier: CustomerTier,
}

/// The product as recorded on the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Product {
    /// Model.
    pub model: String,
    /// Serial number (序列号).
    pub serial: String,
    /// Purchase date, from the proof of purchase; `None` when there is no valid proof.
    #[autosurgeon(with = "crate::doc::am::opt_date")]
    pub purchase_date: Option<NaiveDate>,
    /// Delivery date, for the return and exchange windows.
    #[autosurgeon(with = "crate::doc::am::opt_date")]
    pub delivered_on: Option<NaiveDate>,
}

/// The service request (服务工单) taken at intake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServiceRequest {
    /// Stable id.
    pub id: RequestId,
    /// Channel.
    pub channel: Channel,
    /// Classification.
    pub classification: Classification,
    /// When the request came in: the start of the response clocks.
    #[autosurgeon(with = "crate::doc::am::time")]
    pub received_at: DateTime<Utc>,
    /// The question or fault description.
    pub description: String,
    /// When the fault appeared, as the customer says.
    #[autosurgeon(with = "crate::doc::am::opt_date")]
    pub fault_since: Option<NaiveDate>,
    /// External damage (外力损坏) noted at intake; empty when none.
    pub external_damage: String,
}
