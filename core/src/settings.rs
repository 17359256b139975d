//! Company settings: every configurable figure of the domain rules, each defaulting to
//! the regulation's figure. Server-authoritative reference data; devices only read it.

use serde::{Deserialize, Serialize};

/// How long a clock runs: wall-clock time, or working days on the company calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaSpan {
    /// Elapsed wall-clock seconds, whatever the calendar says.
    Seconds(i64),
    /// Working days: weekends and holidays skipped, make-up days (调休) counted.
    WorkingDays(u32),
}

impl SlaSpan {
    /// `n` wall-clock hours.
    pub const fn hours(n: i64) -> Self {
        SlaSpan::Seconds(n * 3600)
    }
    /// `n` wall-clock minutes.
    pub const fn minutes(n: i64) -> Self {
        SlaSpan::Seconds(n * 60)
    }
}

/// The response and resolution times (时效) table of the domain rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaSettings {
    /// Phone call answered: 10 s. Informational; measured by the telephony system.
    pub phone_answer: SlaSpan,
    /// Online message (WeChat, website, app) first reply: 30 min.
    pub online_first_reply: SlaSpan,
    /// First response to a request: 24 h.
    pub first_response: SlaSpan,
    /// First handling: 48 h (internet products). `None` turns the clock off.
    pub first_handling: Option<SlaSpan>,
    /// Resolution: 72 h (internet products). `None` turns the clock off.
    pub resolution: Option<SlaSpan>,
    /// Technician (or dispatcher) contacts the customer after dispatch: 24 h.
    pub contact_after_dispatch: SlaSpan,
    /// Mail-in product inspected after receipt: 24 h.
    pub mail_in_inspection: SlaSpan,
    /// Repair record entered (order closed) after completion: 2 working days.
    pub record_entry: SlaSpan,
    /// Emergency: respond. The regulation leaves `[X]`; Onsite's default is 2 h.
    pub emergency_response: SlaSpan,
    /// Emergency: be on site. The regulation leaves `[X]`; Onsite's default is 4 h.
    pub emergency_on_site: SlaSpan,
    /// Complaint: first contact: 1 h.
    pub complaint_first_contact: SlaSpan,
    /// General complaint (一般投诉) resolved: 3 working days.
    pub general_complaint_resolved: SlaSpan,
    /// Major complaint (重大投诉) resolved: 7 working days.
    pub major_complaint_resolved: SlaSpan,
    /// Satisfaction follow-up (回访) after closing: `[X]` working days, default 3.
    pub follow_up: SlaSpan,
}

impl Default for SlaSettings {
    fn default() -> Self {
        Self {
            phone_answer: SlaSpan::Seconds(10),
            online_first_reply: SlaSpan::minutes(30),
            first_response: SlaSpan::hours(24),
            first_handling: Some(SlaSpan::hours(48)),
            resolution: Some(SlaSpan::hours(72)),
            contact_after_dispatch: SlaSpan::hours(24),
            mail_in_inspection: SlaSpan::hours(24),
            record_entry: SlaSpan::WorkingDays(2),
            emergency_response: SlaSpan::hours(2),
            emergency_on_site: SlaSpan::hours(4),
            complaint_first_contact: SlaSpan::hours(1),
            general_complaint_resolved: SlaSpan::WorkingDays(3),
            major_complaint_resolved: SlaSpan::WorkingDays(7),
            follow_up: SlaSpan::WorkingDays(3),
        }
    }
}

/// One company's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Currency of fees (ISO 4217).
    pub currency: String,
    /// Product warranty from the purchase date: 3 years.
    pub warranty_years: u32,
    /// Repair warranty (维修质保期): the same fault coming back within this many days of
    /// a repair is re-repaired free. The rules give no figure; Onsite's default is 90.
    pub repair_warranty_days: u32,
    /// Return (退货) window, natural days from the day after delivery: 7.
    pub return_window_days: u32,
    /// Exchange (换货) window, natural days from the day after delivery: 15.
    pub exchange_window_days: u32,
    /// A running clock is at risk under this percentage of its time left: 25.
    pub at_risk_percent: u8,
    /// Project work: a supervisor (or tech support) approves the plan before consent.
    pub plan_approval_required: bool,
    /// Long-term customers get a follow-up at least every this many months: 12.
    pub long_term_follow_up_months: u32,
    /// Key customers (重要客户) get a follow-up every this many months: 6.
    pub key_customer_follow_up_months: u32,
    /// The clocks.
    pub sla: SlaSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            currency: "CNY".to_string(),
            warranty_years: 3,
            repair_warranty_days: 90,
            return_window_days: 7,
            exchange_window_days: 15,
            at_risk_percent: 25,
            plan_approval_required: false,
            long_term_follow_up_months: 12,
            key_customer_follow_up_months: 6,
            sla: SlaSettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_regulation_figures() {
        let s = Settings::default();
        assert_eq!(s.warranty_years, 3, "warranty is 3 years from purchase");
        assert_eq!(s.return_window_days, 7, "return window is 7 days");
        assert_eq!(s.exchange_window_days, 15, "exchange window is 15 days");
        assert_eq!(s.at_risk_percent, 25, "at risk under 25 % left");
        assert_eq!(s.sla.phone_answer, SlaSpan::Seconds(10));
        assert_eq!(s.sla.online_first_reply, SlaSpan::Seconds(30 * 60));
        assert_eq!(s.sla.first_response, SlaSpan::Seconds(24 * 3600));
        assert_eq!(s.sla.first_handling, Some(SlaSpan::Seconds(48 * 3600)));
        assert_eq!(s.sla.resolution, Some(SlaSpan::Seconds(72 * 3600)));
        assert_eq!(s.sla.contact_after_dispatch, SlaSpan::Seconds(24 * 3600));
        assert_eq!(s.sla.mail_in_inspection, SlaSpan::Seconds(24 * 3600));
        assert_eq!(s.sla.record_entry, SlaSpan::WorkingDays(2));
        assert_eq!(s.sla.complaint_first_contact, SlaSpan::Seconds(3600));
        assert_eq!(s.sla.general_complaint_resolved, SlaSpan::WorkingDays(3));
        assert_eq!(s.sla.major_complaint_resolved, SlaSpan::WorkingDays(7));
        assert_eq!(s.sla.follow_up, SlaSpan::WorkingDays(3));
        assert_eq!(s.long_term_follow_up_months, 12);
        assert_eq!(s.key_customer_follow_up_months, 6);
    }

    #[test]
    fn settings_round_trip_through_json() -> Result<(), serde_json::Error> {
        let mut s = Settings {
            plan_approval_required: true,
            ..Settings::default()
        };
        s.sla.first_handling = None;
        let back: Settings = serde_json::from_str(&serde_json::to_string(&s)?)?;
        assert_eq!(
            back, s,
            "a company's changed figures survive the trip to devices"
        );
        Ok(())
    }
}
