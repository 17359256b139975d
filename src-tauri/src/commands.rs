//! The Tauri doors into the command layer: one thin `#[tauri::command]` per command,
//! each calling the same `onsite_commands` function the development bridge serves. No
//! command body lives here.

use onsite_commands::company::{self, CalendarScreen, SettingsScreen};
use onsite_commands::held::{self, HeldChangeView};
use onsite_commands::intake::WarrantyCheck;
use onsite_commands::list::{OrderListItem, OrderQuery};
use onsite_commands::order::OrderDetail;
use onsite_commands::parts::UsePart;
use onsite_commands::reference::{StaffMember, VanStockItem};
use onsite_commands::session::{AppStatus, SyncStatus};
use onsite_commands::signoff::SignatureInput;
use onsite_commands::sla_board::{BoardQuery, SlaBoard};
use onsite_commands::{intake, list, order, parts, photos, reference, session, signoff};
use onsite_commands::{App, CommandError};
use onsite_core::doc::order::OrderOp;
use onsite_core::intake::Intake;
use onsite_core::records::catalog::Part;
use tauri::State;

#[tauri::command]
pub fn app_status(app: State<'_, App>) -> Result<AppStatus, CommandError> {
    session::app_status(&app)
}

#[tauri::command]
pub async fn sign_in(
    app: State<'_, App>,
    server: String,
    login: String,
    password: String,
) -> Result<AppStatus, CommandError> {
    session::sign_in(&app, &server, &login, &password).await
}

#[tauri::command]
pub async fn sign_out(
    app: State<'_, App>,
    discard_unsent: bool,
) -> Result<AppStatus, CommandError> {
    session::sign_out(&app, discard_unsent).await
}

#[tauri::command]
pub fn sync_status(app: State<'_, App>) -> Result<SyncStatus, CommandError> {
    session::sync_status(&app)
}

#[tauri::command]
pub async fn sync_now(app: State<'_, App>) -> Result<SyncStatus, CommandError> {
    session::sync_now(&app).await
}

#[tauri::command]
pub fn list_orders(
    app: State<'_, App>,
    query: OrderQuery,
) -> Result<Vec<OrderListItem>, CommandError> {
    list::list_orders(&app, &query)
}

#[tauri::command]
pub fn sla_board(app: State<'_, App>, query: BoardQuery) -> Result<SlaBoard, CommandError> {
    onsite_commands::sla_board::sla_board(&app, &query)
}

#[tauri::command]
pub fn get_order(app: State<'_, App>, id: String) -> Result<OrderDetail, CommandError> {
    order::get_order(&app, &id)
}

#[tauri::command]
pub fn order_op(app: State<'_, App>, id: String, op: OrderOp) -> Result<OrderDetail, CommandError> {
    order::order_op(&app, &id, op)
}

#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub fn use_part(
    app: State<'_, App>,
    id: String,
    record_id: String,
    part_id: String,
    quantity: u32,
    serials_new: Vec<String>,
    serials_old: Vec<String>,
) -> Result<OrderDetail, CommandError> {
    parts::use_part(
        &app,
        UsePart {
            id,
            record_id,
            part_id,
            quantity,
            serials_new,
            serials_old,
        },
    )
}

/// The photo arrives as the raw request body (no JSON array of numbers); the order and
/// the caption come as headers (`x-order-id`, and `x-caption` URI-encoded).
#[tauri::command]
pub fn add_photo(
    app: State<'_, App>,
    request: tauri::ipc::Request<'_>,
) -> Result<OrderDetail, CommandError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::new(
            "errors.input.no_photo",
            "add_photo takes the photo's bytes as the request body",
        ));
    };
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_default()
    };
    let caption = percent_decode(&header("x-caption"));
    photos::add_photo(&app, &header("x-order-id"), bytes, &caption)
}

/// Undoes `encodeURIComponent`, so a caption in Chinese survives an HTTP header.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tauri::command]
pub fn sign_off(
    app: State<'_, App>,
    id: String,
    signature: SignatureInput,
    signer: String,
    rating: Option<u8>,
    objection: Option<String>,
) -> Result<OrderDetail, CommandError> {
    signoff::sign_off(&app, &id, &signature, &signer, rating, objection.as_deref())
}

#[tauri::command]
pub fn blob_url(
    app: State<'_, App>,
    hash: String,
    thumbnail: bool,
) -> Result<Option<String>, CommandError> {
    photos::blob_url(&app, &hash, thumbnail)
}

#[tauri::command]
pub fn create_order(
    app: State<'_, App>,
    intake: Intake,
    answer: Option<String>,
) -> Result<OrderDetail, CommandError> {
    intake::create_order(&app, intake, answer)
}

#[tauri::command]
pub fn check_warranty(
    app: State<'_, App>,
    purchase_date: Option<chrono::NaiveDate>,
) -> WarrantyCheck {
    intake::check_warranty(&app, purchase_date)
}

#[tauri::command]
pub fn van_stock(app: State<'_, App>) -> Result<Vec<VanStockItem>, CommandError> {
    reference::van_stock(&app)
}

#[tauri::command]
pub fn find_parts(app: State<'_, App>, text: String) -> Result<Vec<Part>, CommandError> {
    reference::find_parts(&app, &text)
}

#[tauri::command]
pub fn staff(
    app: State<'_, App>,
    day: chrono::NaiveDate,
) -> Result<Vec<StaffMember>, CommandError> {
    reference::staff(&app, day)
}

#[tauri::command]
pub async fn company_settings(app: State<'_, App>) -> Result<SettingsScreen, CommandError> {
    company::company_settings(&app).await
}

#[tauri::command]
pub async fn save_settings(
    app: State<'_, App>,
    settings: onsite_core::Settings,
) -> Result<SettingsScreen, CommandError> {
    company::save_settings(&app, settings).await
}

#[tauri::command]
pub async fn company_calendar(app: State<'_, App>) -> Result<CalendarScreen, CommandError> {
    company::company_calendar(&app).await
}

#[tauri::command]
pub async fn save_calendar_year(
    app: State<'_, App>,
    year: i32,
    days: Vec<onsite_core::calendar::CalendarDay>,
) -> Result<CalendarScreen, CommandError> {
    company::save_calendar_year(&app, year, days).await
}

#[tauri::command]
pub async fn save_working_week(
    app: State<'_, App>,
    week: onsite_core::company::WorkingWeek,
) -> Result<CalendarScreen, CommandError> {
    company::save_working_week(&app, week).await
}

#[tauri::command]
pub async fn import_calendar(
    app: State<'_, App>,
    text: String,
) -> Result<CalendarScreen, CommandError> {
    company::import_calendar(&app, &text).await
}

#[tauri::command]
pub async fn list_held_changes(
    app: State<'_, App>,
    all: bool,
) -> Result<Vec<HeldChangeView>, CommandError> {
    held::list_held_changes(&app, all).await
}

#[tauri::command]
pub async fn release_held_change(
    app: State<'_, App>,
    id: String,
    note: String,
) -> Result<HeldChangeView, CommandError> {
    held::release_held_change(&app, &id, &note).await
}

#[tauri::command]
pub async fn discard_held_change(
    app: State<'_, App>,
    id: String,
    note: String,
) -> Result<HeldChangeView, CommandError> {
    held::discard_held_change(&app, &id, &note).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_percent_encoded_caption_is_decoded() {
        assert_eq!(super::percent_decode("%E6%B3%B5%20ok"), "泵 ok");
        assert_eq!(super::percent_decode("100%"), "100%", "a stray % is kept");
    }
}
