//! Client calls for the company's settings and working calendar at the office: reading
//! every settings version and the calendar with its change log, and (supervisors only,
//! checked by the server) saving new figures, one year's days, the working week, or a
//! calendar file. The
//! desk calls these through the command layer; nothing here touches the store. Devices
//! receive the result in their reference data on the next sync.

use onsite_core::calendar::CalendarDay;
use onsite_core::company::{CalendarImport, CalendarView, SettingsHistory, WorkingWeek};
use onsite_core::{Settings, SettingsVersion};
use serde::de::DeserializeOwned;

use crate::sync_client::{refused, SyncClient, SyncError};

impl SyncClient {
    async fn company_call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let (_, _, token) = self.parts();
        let response = request
            .bearer_auth(token)
            .send()
            .await
            .map_err(SyncError::Offline)?;
        if !response.status().is_success() {
            return Err(refused(response).await);
        }
        response
            .json()
            .await
            .map_err(|e| SyncError::Protocol(e.to_string()))
    }

    /// Every settings version, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn settings_history(&self) -> Result<SettingsHistory, SyncError> {
        let (http, base, _) = self.parts();
        self.company_call(http.get(format!("{base}/v1/settings")))
            .await
    }

    /// Saves `settings` as a new version, in force from now. Supervisors only.
    #[tracing::instrument(skip_all)]
    pub async fn save_settings(&self, settings: &Settings) -> Result<SettingsVersion, SyncError> {
        let (http, base, _) = self.parts();
        self.company_call(http.put(format!("{base}/v1/settings")).json(settings))
            .await
    }

    /// The calendar's listed days and change log.
    #[tracing::instrument(skip_all)]
    pub async fn calendar(&self) -> Result<CalendarView, SyncError> {
        let (http, base, _) = self.parts();
        self.company_call(http.get(format!("{base}/v1/calendar")))
            .await
    }

    /// Replaces the listed days of `year`. Supervisors only.
    #[tracing::instrument(skip_all, fields(year))]
    pub async fn save_calendar_year(
        &self,
        year: i32,
        days: &[CalendarDay],
    ) -> Result<CalendarView, SyncError> {
        let (http, base, _) = self.parts();
        self.company_call(http.put(format!("{base}/v1/calendar/{year}")).json(days))
            .await
    }

    /// Sets the weekend days, working hours and UTC offset. Supervisors only.
    #[tracing::instrument(skip_all)]
    pub async fn save_working_week(&self, week: &WorkingWeek) -> Result<CalendarView, SyncError> {
        let (http, base, _) = self.parts();
        self.company_call(http.put(format!("{base}/v1/calendar/week")).json(week))
            .await
    }

    /// Imports a calendar file (`docs/calendar-file.md`). Supervisors only.
    #[tracing::instrument(skip_all)]
    pub async fn import_calendar(&self, text: &str) -> Result<CalendarView, SyncError> {
        let (http, base, _) = self.parts();
        let body = CalendarImport {
            text: text.to_string(),
        };
        self.company_call(http.post(format!("{base}/v1/calendar/import")).json(&body))
            .await
    }
}
