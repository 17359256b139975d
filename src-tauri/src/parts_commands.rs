//! The Tauri doors into the requisition commands (asking for parts, hand-backs, the van,
//! the office's requisition queues), each a thin wrapper over
//! `onsite_commands::requisitions`.

use onsite_commands::requisitions::{self, AskParts, HandBackArgs, RequestView, VanPart};
use onsite_commands::{App, CommandError};
use onsite_core::parts_flow::{RequisitionAction, RequisitionQueue};
use tauri::State;

#[tauri::command]
pub fn ask_parts(app: State<'_, App>, args: AskParts) -> Result<RequestView, CommandError> {
    requisitions::ask_parts(&app, args)
}

#[tauri::command]
pub fn hand_back(app: State<'_, App>, args: HandBackArgs) -> Result<RequestView, CommandError> {
    requisitions::hand_back(&app, args)
}

#[tauri::command]
pub fn my_requests(app: State<'_, App>) -> Result<Vec<RequestView>, CommandError> {
    requisitions::my_requests(&app)
}

#[tauri::command]
pub fn van_detail(app: State<'_, App>) -> Result<Vec<VanPart>, CommandError> {
    requisitions::van(&app)
}

#[tauri::command]
pub async fn office_requisitions(app: State<'_, App>) -> Result<RequisitionQueue, CommandError> {
    requisitions::office_requisitions(&app).await
}

#[tauri::command]
pub async fn office_requisition_action(
    app: State<'_, App>,
    id: String,
    action: RequisitionAction,
) -> Result<RequisitionQueue, CommandError> {
    requisitions::office_requisition_action(&app, &id, action).await
}
