//! The Tauri doors into the complaint commands (recording a complaint from intake, the
//! list with its clocks, one complaint's page and each step of its cycle) and the return
//! or exchange check on the intake form, each a thin wrapper over
//! `onsite_commands::complaints` and `onsite_commands::intake`.

use onsite_commands::complaints::{
    self, ComplaintConflictItem, ComplaintDetail, ComplaintListItem, ComplaintScope,
};
use onsite_commands::intake::{self, ClaimUnit, ReturnCheck};
use onsite_commands::{App, CommandError};
use onsite_core::doc::complaint::ComplaintOp;
use onsite_core::intake::{Intake, IntakeComplaint};
use onsite_core::returns::Claim;
use tauri::State;

#[tauri::command]
pub fn create_complaint(
    app: State<'_, App>,
    intake: Intake,
    complaint: IntakeComplaint,
) -> Result<ComplaintDetail, CommandError> {
    complaints::create_complaint(&app, intake, complaint)
}

#[tauri::command]
pub fn list_complaints(
    app: State<'_, App>,
    scope: Option<ComplaintScope>,
) -> Result<Vec<ComplaintListItem>, CommandError> {
    complaints::list_complaints(&app, scope.unwrap_or_default())
}

#[tauri::command]
pub fn order_complaints(
    app: State<'_, App>,
    id: String,
) -> Result<Vec<ComplaintListItem>, CommandError> {
    complaints::order_complaints(&app, &id)
}

#[tauri::command]
pub fn get_complaint(app: State<'_, App>, id: String) -> Result<ComplaintDetail, CommandError> {
    complaints::get_complaint(&app, &id)
}

#[tauri::command]
pub fn complaint_op(
    app: State<'_, App>,
    id: String,
    op: ComplaintOp,
) -> Result<ComplaintDetail, CommandError> {
    complaints::complaint_op(&app, &id, op)
}

#[tauri::command]
pub fn complaint_conflicts(
    app: State<'_, App>,
) -> Result<Vec<ComplaintConflictItem>, CommandError> {
    complaints::complaint_conflicts(&app)
}

#[tauri::command]
pub fn check_return(
    app: State<'_, App>,
    claim: Claim,
    unit: Option<ClaimUnit>,
) -> Result<ReturnCheck, CommandError> {
    intake::check_return(&app, claim, &unit.unwrap_or_default())
}
