//! The Tauri doors into the follow-up commands (the 回访 queue, recording a follow-up,
//! and the complaint an unsatisfied one starts) and the returning customer's open
//! complaints at intake, each a thin wrapper over `onsite_commands::follow_ups` and
//! `onsite_commands::customers`.

use onsite_commands::complaints::{ComplaintDetail, ComplaintListItem};
use onsite_commands::follow_ups::{self, FollowUpInput, FollowUpQueue, FollowUpRecorded};
use onsite_commands::{App, CommandError};
use onsite_core::follow_ups::FollowUpComplaint;
use tauri::State;

#[tauri::command]
pub fn follow_up_queue(app: State<'_, App>) -> Result<FollowUpQueue, CommandError> {
    follow_ups::follow_up_queue(&app)
}

#[tauri::command]
pub fn record_follow_up(
    app: State<'_, App>,
    id: String,
    input: FollowUpInput,
) -> Result<FollowUpRecorded, CommandError> {
    follow_ups::record_follow_up(&app, &id, input)
}

#[tauri::command]
pub fn complaint_from_follow_up(
    app: State<'_, App>,
    id: String,
    start: FollowUpComplaint,
) -> Result<ComplaintDetail, CommandError> {
    follow_ups::complaint_from_follow_up(&app, &id, start)
}

#[tauri::command]
pub fn customer_open_complaints(
    app: State<'_, App>,
    phone: String,
) -> Result<Vec<ComplaintListItem>, CommandError> {
    onsite_commands::customers::customer_open_complaints(&app, &phone)
}
