//! One door for every command by name, with the arguments as the UI sends them to
//! `invoke` (a JSON object, camelCase keys). The development bridge calls it; the Tauri
//! shell calls the same functions through its own wrappers. Photos are the exception:
//! their bytes come apart from the JSON (see [`crate::photos`]).

use chrono::NaiveDate;
use onsite_core::doc::order::OrderOp;
use onsite_core::intake::Intake;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::error::CommandError;
use crate::list::OrderQuery;
use crate::signoff::SignatureInput;
use crate::{
    company, complaints, held, intake, list, office, order, parts, photos, reference, requisitions,
    session, signoff, App,
};

include!("command_names.rs");

fn args<T: DeserializeOwned>(command: &str, args: Value) -> Result<T, CommandError> {
    serde_json::from_value(args).map_err(|e| CommandError::bad_args(command, e))
}

fn json<T: serde::Serialize>(value: T) -> Result<Value, CommandError> {
    serde_json::to_value(value)
        .map_err(|e| CommandError::new("errors.internal", format!("answering: {e}")))
}

#[derive(Deserialize)]
struct Wrapped<T> {
    args: T,
}
#[derive(Deserialize)]
struct ReceiveProduct {
    id: String,
    condition: String,
    #[serde(default)]
    photo: Option<String>,
    #[serde(default)]
    signer: Option<String>,
    #[serde(default)]
    signature: Option<SignatureInput>,
}
#[derive(Deserialize)]
struct ReqAction {
    id: String,
    action: onsite_core::parts_flow::RequisitionAction,
}
#[derive(Deserialize)]
struct NewComplaintArgs {
    intake: Intake,
    complaint: onsite_core::intake::IntakeComplaint,
}
#[derive(Deserialize)]
struct ComplaintList {
    #[serde(default)]
    scope: Option<complaints::ComplaintScope>,
}
#[derive(Deserialize)]
struct ComplaintStep {
    id: String,
    op: onsite_core::doc::complaint::ComplaintOp,
}
#[derive(Deserialize)]
struct RecordFollowUp {
    id: String,
    input: crate::follow_ups::FollowUpInput,
}
#[derive(Deserialize)]
struct FollowUpComplaintArgs {
    id: String,
    start: onsite_core::follow_ups::FollowUpComplaint,
}
#[derive(Deserialize)]
struct Phone {
    phone: String,
}
#[derive(Deserialize)]
struct CustomerQuery {
    query: String,
}
#[derive(Deserialize)]
struct CustomerKey {
    key: String,
}
#[derive(Deserialize)]
struct CustomerTierArgs {
    key: String,
    tier: onsite_core::records::request::CustomerTier,
}
#[derive(Deserialize)]
struct ReturnClaim {
    claim: onsite_core::returns::Claim,
    #[serde(default)]
    unit: crate::intake::ClaimUnit,
}
#[derive(Deserialize)]
struct SignIn {
    server: String,
    login: String,
    password: String,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignOut {
    #[serde(default)]
    discard_unsent: bool,
}
#[derive(Deserialize)]
struct Query<Q: Default = OrderQuery> {
    #[serde(default)]
    query: Q,
}
#[derive(Deserialize)]
struct Id {
    id: String,
}
#[derive(Deserialize)]
struct Op {
    id: String,
    op: OrderOp,
}
#[derive(Deserialize)]
struct SignOff {
    id: String,
    signature: SignatureInput,
    signer: String,
    rating: Option<u8>,
    #[serde(default)]
    objection: Option<String>,
}
#[derive(Deserialize)]
struct ReportArgs {
    id: String,
    lang: String,
}
#[derive(Deserialize)]
struct KpiArgs {
    #[serde(default)]
    query: onsite_core::kpi::KpiQuery,
}
#[derive(Deserialize)]
struct KpiCsvArgs {
    #[serde(default)]
    query: onsite_core::kpi::KpiQuery,
    table: crate::kpi::KpiTable,
}
#[derive(Deserialize)]
struct BlobUrl {
    hash: String,
    #[serde(default)]
    thumbnail: bool,
}
#[derive(Deserialize)]
struct Create {
    intake: Intake,
    answer: Option<String>,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Warranty {
    purchase_date: Option<NaiveDate>,
}
#[derive(Deserialize)]
struct Text {
    #[serde(default)]
    text: String,
}
#[derive(Deserialize)]
struct Day {
    day: NaiveDate,
}
#[derive(Deserialize)]
struct SavePart {
    part: onsite_core::records::catalog::Part,
}
#[derive(Deserialize)]
struct CatalogFile {
    /// The file's bytes, base64.
    file: String,
}
#[derive(Deserialize)]
struct SaveWeek {
    week: onsite_core::company::WorkingWeek,
}
#[derive(Deserialize)]
struct StockAction {
    action: office::StockAction,
}
#[derive(Deserialize)]
struct PeopleAction {
    action: office::PeopleAction,
}
#[derive(Deserialize)]
struct CountCommand {
    command: crate::stock::CountCommand,
}
#[derive(Deserialize)]
struct OverUse {
    resolution: onsite_core::over_use_fix::OverUseResolution,
}
#[derive(Deserialize)]
struct Minimum {
    minimum: onsite_core::stock_views::StockMinimum,
}
#[derive(Deserialize)]
struct History {
    #[serde(default)]
    filter: onsite_core::stock_views::MovementFilter,
}
#[derive(Deserialize)]
struct SaveSettings {
    settings: onsite_core::Settings,
}
#[derive(Deserialize)]
struct SaveYear {
    year: i32,
    days: Vec<onsite_core::calendar::CalendarDay>,
}
#[derive(Deserialize)]
struct HeldList {
    #[serde(default)]
    all: bool,
}
#[derive(Deserialize)]
struct HeldDecision {
    id: String,
    #[serde(default)]
    note: String,
}

/// Runs `command` with `raw` arguments; `body` is the photo's bytes for `add_photo`.
#[tracing::instrument(skip_all, fields(command))]
pub async fn invoke(
    app: &App,
    command: &str,
    raw: Value,
    body: Option<&[u8]>,
) -> Result<Value, CommandError> {
    let raw = if raw.is_null() {
        Value::Object(Default::default())
    } else {
        raw
    };
    match command {
        "app_status" => json(session::app_status(app)?),
        "sign_in" => {
            let a: SignIn = args(command, raw)?;
            json(session::sign_in(app, &a.server, &a.login, &a.password).await?)
        }
        "sign_out" => {
            let a: SignOut = args(command, raw)?;
            json(session::sign_out(app, a.discard_unsent).await?)
        }
        "sync_status" => json(session::sync_status(app)?),
        "sync_now" => json(session::sync_now(app).await?),
        "list_orders" => {
            let a: Query = args(command, raw)?;
            json(list::list_orders(app, &a.query)?)
        }
        "sla_board" => {
            let a: Query<crate::sla_board::BoardQuery> = args(command, raw)?;
            json(crate::sla_board::sla_board(app, &a.query)?)
        }
        "get_order" => {
            let a: Id = args(command, raw)?;
            json(order::get_order(app, &a.id)?)
        }
        "order_op" => {
            let a: Op = args(command, raw)?;
            json(order::order_op(app, &a.id, a.op)?)
        }
        "use_part" => json(parts::use_part(app, args(command, raw)?)?),
        "add_photo" => {
            let a: photos::PhotoArgs = args(command, raw)?;
            let bytes = body.ok_or_else(|| {
                CommandError::new("errors.input.no_photo", "add_photo needs the photo's bytes")
            })?;
            json(photos::add_photo(app, &a.id, bytes, &a.caption)?)
        }
        "sign_off" => {
            let a: SignOff = args(command, raw)?;
            json(signoff::sign_off(
                app,
                &a.id,
                &a.signature,
                &a.signer,
                a.rating,
                a.objection.as_deref(),
            )?)
        }
        "blob_url" => {
            let a: BlobUrl = args(command, raw)?;
            json(photos::blob_url(app, &a.hash, a.thumbnail)?)
        }
        "create_order" => {
            let a: Create = args(command, raw)?;
            json(intake::create_order(app, a.intake, a.answer)?)
        }
        "check_warranty" => {
            let a: Warranty = args(command, raw)?;
            json(intake::check_warranty(app, a.purchase_date))
        }
        "van_stock" => json(reference::van_stock(app)?),
        "find_parts" => {
            let a: Text = args(command, raw)?;
            json(reference::find_parts(app, &a.text)?)
        }
        "staff" => {
            let a: Day = args(command, raw)?;
            json(reference::staff(app, a.day)?)
        }
        "office_areas" => json(office::office_areas(app)?),
        "office_catalog" => json(office::catalog(app).await?),
        "office_save_part" => {
            let a: SavePart = args(command, raw)?;
            json(office::save_part(app, a.part).await?)
        }
        "office_import_catalog" => {
            let a: CatalogFile = args(command, raw)?;
            json(office::import_catalog_file(app, &a.file).await?)
        }
        "office_stock" => json(office::stock(app).await?),
        "office_stock_action" => {
            let a: StockAction = args(command, raw)?;
            json(office::stock_action(app, a.action).await?)
        }
        "office_people" => json(office::people(app).await?),
        "office_people_action" => {
            let a: PeopleAction = args(command, raw)?;
            json(office::people_action(app, a.action).await?)
        }
        "stock_counts" => json(crate::stock::stock_counts(app).await?),
        "stock_count" => {
            let a: Id = args(command, raw)?;
            json(crate::stock::stock_count(app, &a.id).await?)
        }
        "stock_count_action" => {
            let a: CountCommand = args(command, raw)?;
            json(crate::stock::stock_count_action(app, a.command).await?)
        }
        "resolve_over_use" => {
            let a: OverUse = args(command, raw)?;
            json(crate::stock::resolve_over_use(app, a.resolution).await?)
        }
        "stock_levels" => json(crate::stock::stock_levels(app).await?),
        "stock_set_minimum" => {
            let a: Minimum = args(command, raw)?;
            json(crate::stock::stock_set_minimum(app, a.minimum).await?)
        }
        "stock_history" => {
            let a: History = args(command, raw)?;
            json(crate::stock::stock_history(app, a.filter).await?)
        }
        "stock_history_csv" => {
            let a: History = args(command, raw)?;
            json(crate::stock::stock_history_csv(app, a.filter).await?)
        }
        "company_settings" => json(company::company_settings(app).await?),
        "save_settings" => {
            let a: SaveSettings = args(command, raw)?;
            json(company::save_settings(app, a.settings).await?)
        }
        "company_calendar" => json(company::company_calendar(app).await?),
        "save_calendar_year" => {
            let a: SaveYear = args(command, raw)?;
            json(company::save_calendar_year(app, a.year, a.days).await?)
        }
        "save_working_week" => {
            let a: SaveWeek = args(command, raw)?;
            json(company::save_working_week(app, a.week).await?)
        }
        "import_calendar" => {
            let a: Text = args(command, raw)?;
            json(company::import_calendar(app, &a.text).await?)
        }
        "list_held_changes" => {
            let a: HeldList = args(command, raw)?;
            json(held::list_held_changes(app, a.all).await?)
        }
        "release_held_change" => {
            let a: HeldDecision = args(command, raw)?;
            json(held::release_held_change(app, &a.id, &a.note).await?)
        }
        "discard_held_change" => {
            let a: HeldDecision = args(command, raw)?;
            json(held::discard_held_change(app, &a.id, &a.note).await?)
        }
        "ask_parts" => {
            let a: Wrapped<requisitions::AskParts> = args(command, raw)?;
            json(requisitions::ask_parts(app, a.args)?)
        }
        "hand_back" => {
            let a: Wrapped<requisitions::HandBackArgs> = args(command, raw)?;
            json(requisitions::hand_back(app, a.args)?)
        }
        "my_requests" => json(requisitions::my_requests(app)?),
        "van_detail" => json(requisitions::van(app)?),
        "office_requisitions" => json(requisitions::office_requisitions(app).await?),
        "office_requisition_action" => {
            let a: ReqAction = args(command, raw)?;
            json(requisitions::office_requisition_action(app, &a.id, a.action).await?)
        }
        "workshop" => json(crate::workshop::workshop(app)?),
        "receive_product" => {
            let a: ReceiveProduct = args(command, raw)?;
            json(crate::workshop::receive_product(
                app,
                &a.id,
                &a.condition,
                a.photo,
                a.signer.as_deref(),
                a.signature.as_ref(),
            )?)
        }
        "service_report" => {
            let a: ReportArgs = args(command, raw)?;
            json(crate::report::service_report(app, &a.id, &a.lang)?)
        }
        "kpi" => {
            let a: KpiArgs = args(command, raw)?;
            json(crate::kpi::kpi(app, a.query).await?)
        }
        "kpi_csv" => {
            let a: KpiCsvArgs = args(command, raw)?;
            json(crate::kpi::kpi_csv(app, a.query, a.table).await?)
        }
        "create_complaint" => {
            let a: NewComplaintArgs = args(command, raw)?;
            json(complaints::create_complaint(app, a.intake, a.complaint)?)
        }
        "list_complaints" => {
            let a: ComplaintList = args(command, raw)?;
            json(complaints::list_complaints(
                app,
                a.scope.unwrap_or_default(),
            )?)
        }
        "order_complaints" => {
            let a: Id = args(command, raw)?;
            json(complaints::order_complaints(app, &a.id)?)
        }
        "get_complaint" => {
            let a: Id = args(command, raw)?;
            json(complaints::get_complaint(app, &a.id)?)
        }
        "complaint_op" => {
            let a: ComplaintStep = args(command, raw)?;
            json(complaints::complaint_op(app, &a.id, a.op)?)
        }
        "check_return" => {
            let a: ReturnClaim = args(command, raw)?;
            json(intake::check_return(app, a.claim, &a.unit)?)
        }
        "customer_open_complaints" => {
            let a: Phone = args(command, raw)?;
            json(crate::customers::customer_open_complaints(app, &a.phone)?)
        }
        "customer_search" => {
            let a: CustomerQuery = args(command, raw)?;
            json(crate::customers::customer_search(app, &a.query)?)
        }
        "customer_history" => {
            let a: CustomerKey = args(command, raw)?;
            json(crate::customers::customer_history(app, &a.key)?)
        }
        "set_customer_tier" => {
            let a: CustomerTierArgs = args(command, raw)?;
            json(crate::customers::set_customer_tier(app, &a.key, a.tier)?)
        }
        "follow_up_queue" => json(crate::follow_ups::follow_up_queue(app)?),
        "record_follow_up" => {
            let a: RecordFollowUp = args(command, raw)?;
            json(crate::follow_ups::record_follow_up(app, &a.id, a.input)?)
        }
        "complaint_from_follow_up" => {
            let a: FollowUpComplaintArgs = args(command, raw)?;
            json(crate::follow_ups::complaint_from_follow_up(
                app, &a.id, a.start,
            )?)
        }
        "complaint_conflicts" => json(complaints::complaint_conflicts(app)?),
        other => Err(CommandError::new(
            "errors.input.unknown_command",
            format!("no command {other:?}"),
        )
        .with("command", other)),
    }
}

#[cfg(test)]
mod tests {
    /// The app may call a command only if `src-tauri/capabilities/default.json` grants
    /// its generated `allow-<command>` permission; a command added without it works in
    /// the browser suites (the bridge) and fails only in the real app.
    #[test]
    fn the_app_grants_every_command_and_nothing_else() -> Result<(), Box<dyn std::error::Error>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../src-tauri/capabilities/default.json");
        let capabilities: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path)?)?;
        let mut granted: Vec<String> = capabilities["permissions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(str::to_string))
            .collect();
        let mut commands: Vec<String> = super::COMMANDS
            .iter()
            .map(|c| c.replace('_', "-"))
            .collect();
        granted.sort();
        commands.sort();
        assert_eq!(granted, commands);
        Ok(())
    }
}
