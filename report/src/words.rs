//! The report's words in the customer's two languages. They live here, not in the UI's
//! locale files, because the PDF is set in Rust on the device and on the server alike;
//! every key has both languages by construction (one `match` arm per key).

use onsite_core::lifecycle::OrderState;
use onsite_core::records::request::ServiceMode;
use onsite_core::warranty::ChargeBasis;
use serde::{Deserialize, Serialize};

/// The language a report is set in: the customer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// 简体中文.
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// From a language tag as the UI and the command line give it (`zh-CN`, `zh`, `en`).
    pub fn parse(tag: &str) -> Option<Lang> {
        match tag.to_ascii_lowercase().as_str() {
            "zh-cn" | "zh" | "zh-hans" => Some(Lang::ZhCn),
            "en" | "en-gb" | "en-us" => Some(Lang::En),
            _ => None,
        }
    }

    /// The BCP 47 tag written into the PDF's metadata.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A fixed piece of the report's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum W {
    Title,
    OrderNumber,
    Customer,
    Name,
    Phone,
    Address,
    Product,
    Model,
    Serial,
    PurchaseDate,
    ServiceMode,
    Received,
    Fault,
    Reported,
    Confirmed,
    Cause,
    Plan,
    Risks,
    Work,
    Visits,
    Time,
    By,
    Description,
    Minutes,
    WorkTime,
    NoWork,
    Parts,
    PartNumber,
    Quantity,
    SerialsNew,
    SerialsOld,
    NoParts,
    Fee,
    FeeCharged,
    ChargeBasis,
    Estimate,
    Consent,
    FeeChanged,
    RepairWarranty,
    Tests,
    Result,
    Passed,
    Failed,
    Notes,
    CareAdvice,
    Yes,
    No,
    NoTests,
    Objections,
    Photos,
    PhotoMissing,
    NoPhotos,
    SignOff,
    Signer,
    SignedAt,
    Rating,
    SignatureMissing,
    Digest,
    Valid,
    Void,
    Unsigned,
    State,
    Page,
}

/// The words for `w` in `lang`.
pub fn word(lang: Lang, w: W) -> &'static str {
    use Lang::{En, ZhCn};
    match (w, lang) {
        (W::Title, ZhCn) => "服务报告",
        (W::Title, En) => "Service report",
        (W::OrderNumber, ZhCn) => "工单号",
        (W::OrderNumber, En) => "Order",
        (W::Customer, ZhCn) => "客户",
        (W::Customer, En) => "Customer",
        (W::Name, ZhCn) => "姓名",
        (W::Name, En) => "Name",
        (W::Phone, ZhCn) => "电话",
        (W::Phone, En) => "Phone",
        (W::Address, ZhCn) => "地址",
        (W::Address, En) => "Address",
        (W::Product, ZhCn) => "产品",
        (W::Product, En) => "Product",
        (W::Model, ZhCn) => "型号",
        (W::Model, En) => "Model",
        (W::Serial, ZhCn) => "序列号",
        (W::Serial, En) => "Serial number",
        (W::PurchaseDate, ZhCn) => "购买日期",
        (W::PurchaseDate, En) => "Purchased",
        (W::ServiceMode, ZhCn) => "服务方式",
        (W::ServiceMode, En) => "Service",
        (W::Received, ZhCn) => "受理时间",
        (W::Received, En) => "Request received",
        (W::Fault, ZhCn) => "故障、诊断与维修方案",
        (W::Fault, En) => "Fault, diagnosis and plan",
        (W::Reported, ZhCn) => "客户描述",
        (W::Reported, En) => "As reported",
        (W::Confirmed, ZhCn) => "确认故障",
        (W::Confirmed, En) => "Fault confirmed",
        (W::Cause, ZhCn) => "故障原因",
        (W::Cause, En) => "Cause",
        (W::Plan, ZhCn) => "维修方案",
        (W::Plan, En) => "Plan",
        (W::Risks, ZhCn) => "风险说明",
        (W::Risks, En) => "Risks explained",
        (W::Work, ZhCn) => "维修记录",
        (W::Work, En) => "Work done",
        (W::Visits, ZhCn) => "上门时间",
        (W::Visits, En) => "On site",
        (W::Time, ZhCn) => "时间",
        (W::Time, En) => "Time",
        (W::By, ZhCn) => "工程师",
        (W::By, En) => "By",
        (W::Description, ZhCn) => "内容",
        (W::Description, En) => "What was done",
        (W::Minutes, ZhCn) => "用时(分钟)",
        (W::Minutes, En) => "Minutes",
        (W::WorkTime, ZhCn) => "维修用时合计",
        (W::WorkTime, En) => "Total working time",
        (W::NoWork, ZhCn) => "无维修记录",
        (W::NoWork, En) => "No work recorded",
        (W::Parts, ZhCn) => "更换配件",
        (W::Parts, En) => "Parts fitted",
        (W::PartNumber, ZhCn) => "配件编号",
        (W::PartNumber, En) => "Part number",
        (W::Quantity, ZhCn) => "数量",
        (W::Quantity, En) => "Qty",
        (W::SerialsNew, ZhCn) => "新件序列号",
        (W::SerialsNew, En) => "New serials",
        (W::SerialsOld, ZhCn) => "旧件序列号",
        (W::SerialsOld, En) => "Old serials",
        (W::NoParts, ZhCn) => "未使用配件",
        (W::NoParts, En) => "No parts used",
        (W::Fee, ZhCn) => "费用与保修",
        (W::Fee, En) => "Fee and warranty",
        (W::FeeCharged, ZhCn) => "收费金额",
        (W::FeeCharged, En) => "Fee charged",
        (W::ChargeBasis, ZhCn) => "收费依据",
        (W::ChargeBasis, En) => "Charge basis",
        (W::Estimate, ZhCn) => "费用预估",
        (W::Estimate, En) => "Estimate",
        (W::Consent, ZhCn) => "客户同意",
        (W::Consent, En) => "Customer agreed",
        (W::FeeChanged, ZhCn) => "费用调整",
        (W::FeeChanged, En) => "Fee changed",
        (W::RepairWarranty, ZhCn) => "维修质保",
        (W::RepairWarranty, En) => "Repair warranty",
        (W::Tests, ZhCn) => "测试验收",
        (W::Tests, En) => "Test result",
        (W::Result, ZhCn) => "结果",
        (W::Result, En) => "Result",
        (W::Passed, ZhCn) => "通过",
        (W::Passed, En) => "Passed",
        (W::Failed, ZhCn) => "未通过",
        (W::Failed, En) => "Failed",
        (W::Notes, ZhCn) => "测试内容",
        (W::Notes, En) => "What was tested",
        (W::CareAdvice, ZhCn) => "保养说明",
        (W::CareAdvice, En) => "Care advice",
        (W::Yes, ZhCn) => "已告知",
        (W::Yes, En) => "Given",
        (W::No, ZhCn) => "未告知",
        (W::No, En) => "Not given",
        (W::NoTests, ZhCn) => "未记录测试",
        (W::NoTests, En) => "No test recorded",
        (W::Objections, ZhCn) => "客户异议",
        (W::Objections, En) => "Objections raised",
        (W::Photos, ZhCn) => "现场照片",
        (W::Photos, En) => "Photos",
        (W::PhotoMissing, ZhCn) => "照片尚未同步到本设备",
        (W::PhotoMissing, En) => "Photo not yet on this device",
        (W::NoPhotos, ZhCn) => "无照片",
        (W::NoPhotos, En) => "No photos",
        (W::SignOff, ZhCn) => "客户签字确认",
        (W::SignOff, En) => "Customer sign-off",
        (W::Signer, ZhCn) => "签字人",
        (W::Signer, En) => "Signed by",
        (W::SignedAt, ZhCn) => "签字时间",
        (W::SignedAt, En) => "Signed at",
        (W::Rating, ZhCn) => "满意度",
        (W::Rating, En) => "Satisfaction",
        (W::SignatureMissing, ZhCn) => "签名图像尚未同步到本设备",
        (W::SignatureMissing, En) => "Signature image not yet on this device",
        (W::Digest, ZhCn) => "签字摘要 (SHA-256)",
        (W::Digest, En) => "Sign-off digest (SHA-256)",
        (W::Valid, ZhCn) => "签字有效：维修内容、配件与费用与客户签字时一致。",
        (W::Valid, En) => {
            "Valid: the work, parts and fee are exactly those the customer signed for."
        }
        (W::Void, ZhCn) => {
            "签字已失效：客户签字后维修内容、配件或费用有变动，本签字不再涵盖当前内容。"
        }
        (W::Void, En) => {
            "VOID: the work, parts or fee changed after the customer signed; the signature no longer covers this report."
        }
        (W::Unsigned, ZhCn) => "客户尚未签字。",
        (W::Unsigned, En) => "Not signed by the customer yet.",
        (W::State, ZhCn) => "状态",
        (W::State, En) => "Status",
        (W::Page, ZhCn) => "页",
        (W::Page, En) => "Page",
    }
}

/// The service mode in words.
pub fn mode(lang: Lang, mode: ServiceMode) -> &'static str {
    match (mode, lang) {
        (ServiceMode::OnSite, Lang::ZhCn) => "上门维修",
        (ServiceMode::OnSite, Lang::En) => "On-site repair",
        (ServiceMode::MailIn, Lang::ZhCn) => "寄修",
        (ServiceMode::MailIn, Lang::En) => "Mail-in repair",
        (ServiceMode::CarryIn, Lang::ZhCn) => "送修",
        (ServiceMode::CarryIn, Lang::En) => "Carry-in repair",
    }
}

/// The charge basis in words.
pub fn charge(lang: Lang, basis: ChargeBasis) -> &'static str {
    match (basis, lang) {
        (ChargeBasis::InWarranty, Lang::ZhCn) => "保修期内，免费",
        (ChargeBasis::InWarranty, Lang::En) => "Free: within the product warranty",
        (ChargeBasis::RepeatRepair, Lang::ZhCn) => "维修质保期内同一故障复修，免费",
        (ChargeBasis::RepeatRepair, Lang::En) => {
            "Free: the same fault came back within the repair warranty"
        }
        (ChargeBasis::OutOfWarranty, Lang::ZhCn) => "已过保修期，收费",
        (ChargeBasis::OutOfWarranty, Lang::En) => "Chargeable: the warranty has expired",
        (ChargeBasis::NoProofOfPurchase, Lang::ZhCn) => "无有效购买凭证，收费",
        (ChargeBasis::NoProofOfPurchase, Lang::En) => "Chargeable: no valid proof of purchase",
        (ChargeBasis::CustomerDamage, Lang::ZhCn) => "人为损坏，收费",
        (ChargeBasis::CustomerDamage, Lang::En) => "Chargeable: damage caused by use",
    }
}

/// The order's state in words, the staff's terms.
pub fn state(lang: Lang, state: OrderState) -> &'static str {
    use OrderState as S;
    match (state, lang) {
        (S::New, Lang::ZhCn) => "新建",
        (S::New, Lang::En) => "New",
        (S::Dispatched, Lang::ZhCn) => "已派单",
        (S::Dispatched, Lang::En) => "Dispatched",
        (S::Contacted, Lang::ZhCn) => "已联系",
        (S::Contacted, Lang::En) => "Contacted",
        (S::OnSite, Lang::ZhCn) => "已到场",
        (S::OnSite, Lang::En) => "On site",
        (S::Received, Lang::ZhCn) => "已收件",
        (S::Received, Lang::En) => "Received",
        (S::PlanAgreed, Lang::ZhCn) => "方案已确认",
        (S::PlanAgreed, Lang::En) => "Plan agreed",
        (S::InRepair, Lang::ZhCn) => "维修中",
        (S::InRepair, Lang::En) => "In repair",
        (S::Tested, Lang::ZhCn) => "已测试",
        (S::Tested, Lang::En) => "Tested",
        (S::SignedOff, Lang::ZhCn) => "客户已签字",
        (S::SignedOff, Lang::En) => "Signed off",
        (S::ShippedBack, Lang::ZhCn) => "已寄回",
        (S::ShippedBack, Lang::En) => "Shipped back",
        (S::Closed, Lang::ZhCn) => "已闭环",
        (S::Closed, Lang::En) => "Closed",
        (S::Cancelled, Lang::ZhCn) => "已取消",
        (S::Cancelled, Lang::En) => "Cancelled",
        (S::OnHold, Lang::ZhCn) => "挂起",
        (S::OnHold, Lang::En) => "On hold",
    }
}
