//! The TypeScript types of everything that crosses the IPC, generated from the Rust with
//! ts-rs into one file the UI imports (`ui/src/lib/gen/types.ts`). `onsite-gen-types`
//! writes it; the test command regenerates it and fails when the committed copy is stale.

use ts_rs::{Config, TS};

/// Where the generated file lives, from the repository root.
pub const GENERATED: &str = "ui/src/lib/gen/types.ts";

const HEADER: &str =
    "// This file is generated from the Rust types by `cargo run -p onsite-commands --bin \
onsite-gen-types`.\n// Do not edit it by hand: change the Rust and regenerate. The test command \
fails when it is stale.\n/* eslint-disable */\n";

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

macro_rules! all {
    ($cfg:expr, $out:expr; $($t:ty),* $(,)?) => {
        $( decl::<$t>($cfg, $out); )*
    };
}

/// The whole generated file.
pub fn typescript() -> String {
    use onsite_core::doc::order as doc;
    use onsite_core::records::{catalog, order as rec, request};
    // Money is integer minor units and counts are small: plain numbers, not bigint.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(HEADER);
    out.push('\n');
    all!(&cfg, &mut out;
        // ids and values
        onsite_core::ids::OrderId, onsite_core::ids::UserId, onsite_core::ids::RecordId,
        onsite_core::ids::PartId, onsite_core::ids::LocationId, onsite_core::ids::RequestId,
        onsite_core::ids::CustomerId,
        onsite_core::money::Money, onsite_core::doc::TimeWindow,
        onsite_core::role::Role, onsite_core::role::Actor,
        onsite_core::lifecycle::OrderState,
        onsite_core::warranty::WarrantyStatus, onsite_core::warranty::ChargeBasis,
        onsite_core::sla::ClockKind,
        // the request
        request::Channel, request::Classification, request::Customer, request::CustomerTier,
        request::Priority, request::Product, request::ServiceMode, request::ServiceRequest,
        // the order's records
        rec::ContactChannel, rec::ContactAttempt, rec::Visit, rec::Receipt,
        rec::FaultConfirmation, rec::Diagnosis, rec::Approval, rec::Consent, rec::RepairStep,
        rec::PartUse, rec::TestResult, rec::SignOff, rec::Objection, rec::Shipment,
        rec::FollowUp, rec::HoldKind, rec::Hold, rec::Cancellation, rec::FeeOverride,
        rec::PhotoRef, rec::Comment, rec::DataAuthorisation, rec::StateChange,
        rec::PriorRepair, rec::FlagKind, rec::FlagResolution, rec::FlagParams,
        rec::ConflictValues, rec::HeldReason, rec::Flag, rec::ClockOffset,
        onsite_core::records::signature::SignatureKind,
        onsite_core::records::charge::ChargeReassessment,
        onsite_core::records::charge::Payment,
        onsite_core::records::signature::SignatureCapture,
        onsite_core::records::signature::Signature,
        doc::OrderDoc, doc::OrderOp,
        catalog::Part,
        onsite_core::intake::Intake, onsite_core::intake::IntakeCustomer,
        onsite_core::intake::IntakeProduct,
        // the commands' own shapes
        crate::error::CommandError,
        crate::session::Me, crate::session::AppStatus, crate::session::SyncStatus,
        crate::list::OrderQuery, crate::list::SlaStatus, crate::list::Window,
        crate::list::SignOffState, crate::list::OrderListItem,
        crate::sla_board::BoardQuery, crate::sla_board::BoardDoc, crate::sla_board::BoardRow,
        crate::sla_board::BoardGroup, crate::sla_board::SlaBoard,
        crate::order::ClockView, crate::order::ConflictView, crate::order::ChangeSource, crate::order::ChangeView,
        crate::order::QuarantineView, crate::order::Refusal, crate::order::OpCheck,
        crate::order::SignatureView, crate::order::OrderDetail,
        crate::workshop::WorkshopItem, crate::workshop::WorkshopClock,
        crate::visit::StepId, crate::visit::StepStatus, crate::visit::VisitStep,
        crate::parts::UsePart, crate::photos::PhotoArgs, crate::signoff::SignatureInput,
        crate::intake::WarrantyCheck,
        crate::reference::VanStockItem, crate::reference::StaffMember,
        // the office's set-up
        catalog::LocationKind, catalog::Location, onsite_core::ids::MovementId,
        onsite_core::ids::RequisitionId,
        onsite_core::office::OfficeArea, onsite_core::office::ImportReport,
        onsite_core::office::StockReceipt, onsite_core::office::StockTransfer,
        onsite_core::office::StockLine, onsite_core::office::StockEntry,
        onsite_core::office::StockOverview, onsite_core::office::NewUser,
        onsite_core::office::UserEntry, onsite_core::office::DeviceEntry,
        onsite_core::office::AuditEntry, onsite_core::office::PeopleOverview,
        crate::office::StockAction, crate::office::PeopleAction,
        // the company's rules
        onsite_core::settings::SlaSpan, onsite_core::settings::SlaSettings,
        onsite_core::settings::CompanyInfo, onsite_core::settings::Settings,
        onsite_core::SettingsVersion, onsite_core::company::SettingsHistory,
        onsite_core::calendar::DayKind, onsite_core::calendar::CalendarDay,
        onsite_core::company::CalendarChange, onsite_core::company::CalendarView,
        onsite_core::company::WorkingWeek,
        crate::order::RulesVersion,
        crate::company::SettingsScreen, crate::company::CalendarScreen,
        crate::held::HeldReasonView, crate::held::FindingView, crate::held::Leaf,
        crate::held::RecordView, crate::held::RecordChangeView, crate::held::FieldChangeView,
        crate::held::HeldStatus, crate::held::HeldChangeView,
        // requisitions (issue 13)
        onsite_core::stock::MovementKind,
        onsite_core::doc::requisition::RequisitionStatus,
        onsite_core::doc::requisition::HandBackKind,
        onsite_core::doc::requisition::ReturnOutcome,
        onsite_core::parts_flow::QueueLine, onsite_core::parts_flow::TakenBackView,
        onsite_core::parts_flow::QueueHandBack, onsite_core::parts_flow::ActionCheck,
        onsite_core::parts_flow::QueueEntry, onsite_core::parts_flow::RequisitionQueue,
        onsite_core::parts_flow::LineQuantity, onsite_core::parts_flow::RequisitionAction,
        crate::requisitions::AskParts, crate::requisitions::HandBackArgs,
        crate::requisitions::RequestLineView, crate::requisitions::HandBackView,
        crate::requisitions::RequestView, crate::requisitions::VanMovement,
        crate::requisitions::Shortfall, crate::requisitions::VanPart,
        // stock counts, over-use resolution, stock views
        onsite_core::stock_count::CountState, onsite_core::stock_count::CountLine,
        onsite_core::stock_count::CountSheet, onsite_core::stock_count::CountLineView,
        onsite_core::stock_views::HistoryEntry, onsite_core::stock_count::CountView,
        onsite_core::stock_count::CountSummary, crate::stock::CountList,
        crate::stock::CountCommand, onsite_core::over_use_fix::OverUseFix,
        onsite_core::over_use_fix::OverUseResolution, onsite_core::stock_views::StockRow,
        onsite_core::stock_views::StockMinimum, onsite_core::stock_views::MovementFilter,
        // the service report and the KPIs (issue 16)
        crate::report::ServiceReport, crate::kpi::KpiTable,
        onsite_core::kpi::Granularity, onsite_core::kpi::KpiQuery, onsite_core::kpi::Rate,
        onsite_core::kpi::Mean, onsite_core::kpi::ClockCompliance, onsite_core::kpi::Count,
        onsite_core::kpi::Figures, onsite_core::kpi::Group, onsite_core::kpi::KpiReport,
        // complaints, returns and exchanges
        onsite_core::ids::ComplaintId,
        onsite_core::doc::complaint::Severity, onsite_core::doc::complaint::ComplaintStatus,
        onsite_core::settings::CauseClass, onsite_core::doc::complaint::Cause,
        onsite_core::doc::complaint::Measure, onsite_core::doc::complaint::Note,
        onsite_core::doc::complaint::ComplaintStatusChange,
        onsite_core::doc::complaint::ComplaintDoc, onsite_core::doc::complaint::ComplaintOp,
        onsite_core::intake::IntakeComplaint,
        crate::complaints::ComplaintListItem, crate::complaints::ComplaintDetail,
        crate::complaints::ComplaintScope,
        onsite_core::returns::ClaimKind, onsite_core::returns::Ground,
        onsite_core::returns::Claim, onsite_core::returns::Refusal,
        crate::intake::ReturnCheck, crate::intake::ClaimUnit, crate::intake::EarlierExchange,
        onsite_core::records::order::ReturnDecision,
        // follow-ups
        onsite_core::follow_ups::FollowUpComplaint, crate::follow_ups::FollowUpKind,
        crate::follow_ups::FollowUpItem, crate::follow_ups::FollowUpQueue,
        crate::follow_ups::FollowUpRecorded, crate::follow_ups::FollowUpInput,
        // customers
        onsite_core::customers::CustomerSummary, onsite_core::customers::OwnedProduct,
        crate::customers::CustomerOrderLine, crate::customers::CustomerFollowUpLine,
        crate::customers::CustomerHistory,
        onsite_core::doc::complaint_flags::DecisionConflict,
        crate::complaints::ComplaintConflictItem,
    );
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_typescript_types_are_fresh() -> Result<(), std::io::Error> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(super::GENERATED);
        let committed = std::fs::read_to_string(&path)?;
        assert!(
            committed == super::typescript(),
            "{} is stale: run `cargo run -p onsite-commands --bin onsite-gen-types`",
            path.display()
        );
        Ok(())
    }
}
