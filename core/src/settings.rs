//! Company settings: every configurable figure of the domain rules, each defaulting to
//! the regulation's figure. Server-authoritative reference data; devices only read it.

use serde::{Deserialize, Serialize};

/// How long a clock runs: wall-clock time, or working days on the company calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// The company as its reports and sign-off sheets name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CompanyInfo {
    /// The company's name.
    pub name: String,
    /// Its address.
    pub address: String,
    /// Its service phone number.
    pub phone: String,
    /// Its logo as a `data:image/...;base64,` URL, or empty for none. Small (a few KB),
    /// so it travels inside the reference data rather than as a blob.
    pub logo: String,
}

/// One class complaints are classified by (投诉原因), for the trend reports: a stable
/// key the complaints store, and its name in both languages. The company keeps the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CauseClass {
    /// Stable key, stored on each complaint's cause: lower-case letters, digits and `_`.
    pub key: String,
    /// Its name in English.
    pub en: String,
    /// Its name in Chinese.
    pub zh: String,
}

/// The classes a company starts with. Their keys are the ones complaints recorded
/// before the list was the company's carry, so those stay classified.
pub fn default_complaint_causes() -> Vec<CauseClass> {
    [
        ("product_quality", "Product quality", "产品质量"),
        ("repair_quality", "Repair quality", "维修质量"),
        ("parts", "Parts", "配件问题"),
        ("staff_attitude", "Staff conduct", "服务态度"),
        ("timeliness", "Late or missed appointment", "时效问题"),
        ("fee", "Fees", "收费问题"),
        ("other", "Other", "其他"),
    ]
    .into_iter()
    .map(|(key, en, zh)| CauseClass {
        key: key.into(),
        en: en.into(),
        zh: zh.into(),
    })
    .collect()
}

/// The most cause classes a company keeps: the list rides in every device's reference
/// data and is one drop-down.
pub const MAX_CAUSE_CLASSES: usize = 40;

/// The largest logo accepted, in bytes of its data URL: it rides in every device's
/// reference data.
pub const MAX_LOGO_CHARS: usize = 256 * 1024;

/// Why a set of settings cannot be saved. Each names the setting by its JSON path
/// (`at_risk_percent`, `sla.first_response`), which the UI words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A number outside `min..=max`.
    #[error("{field}: must be between {min} and {max}")]
    OutOfRange {
        /// The setting.
        field: String,
        /// The smallest allowed.
        min: i64,
        /// The largest allowed.
        max: i64,
    },
    /// A clock of zero length, or of more than a year.
    #[error("{field}: a clock must be longer than zero and at most a year")]
    BadClock {
        /// The clock's setting.
        field: String,
    },
    /// Not a three-letter ISO 4217 code.
    #[error("currency: must be a three-letter ISO 4217 code")]
    BadCurrency,
    /// Not an image, or too large.
    #[error("company.logo: must be a PNG or JPEG image of at most 256 KB")]
    BadLogo,
    /// The complaint cause list is empty, too long, or has a class without a key or a
    /// name, or a key twice.
    #[error("complaint_causes: {problem}")]
    BadCauseList {
        /// What is wrong, in words for the log.
        problem: String,
    },
}

impl SettingsError {
    /// The stable i18n code.
    pub fn code(&self) -> &'static str {
        match self {
            SettingsError::OutOfRange { .. } => "errors.company.out_of_range",
            SettingsError::BadClock { .. } => "errors.company.bad_clock",
            SettingsError::BadCurrency => "errors.company.bad_currency",
            SettingsError::BadLogo => "errors.company.bad_logo",
            SettingsError::BadCauseList { .. } => "errors.company.bad_cause_list",
        }
    }

    /// The setting it is about, as its JSON path.
    pub fn field(&self) -> &str {
        match self {
            SettingsError::OutOfRange { field, .. } | SettingsError::BadClock { field } => field,
            SettingsError::BadCurrency => "currency",
            SettingsError::BadLogo => "company.logo",
            SettingsError::BadCauseList { .. } => "complaint_causes",
        }
    }
}

/// One company's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// Which request types count as project work when plan approval is required; empty
    /// means every order does (as before this list existed).
    #[serde(default)]
    pub project_work: Vec<crate::records::request::Classification>,
    /// Long-term customers get a follow-up at least every this many months: 12.
    pub long_term_follow_up_months: u32,
    /// Key customers (重要客户) get a follow-up every this many months: 6.
    pub key_customer_follow_up_months: u32,
    /// The clocks.
    pub sla: SlaSettings,
    /// Name, address, phone and logo for reports.
    #[serde(default)]
    pub company: CompanyInfo,
    /// The classes a complaint's cause is classified by. Settings saved before the list
    /// was kept read as the default classes.
    #[serde(default = "default_complaint_causes")]
    pub complaint_causes: Vec<CauseClass>,
}

impl Settings {
    /// Whether an order of this request type needs its plan approved before the
    /// customer's consent (rule 7: project work, a company setting).
    pub fn needs_plan_approval(&self, kind: crate::records::request::Classification) -> bool {
        self.plan_approval_required
            && (self.project_work.is_empty() || self.project_work.contains(&kind))
    }

    /// The cause class `key`, when the company classifies complaints by it.
    pub fn cause_class(&self, key: &str) -> Option<&CauseClass> {
        self.complaint_causes.iter().find(|c| c.key == key)
    }

    fn validate_causes(&self) -> Result<(), SettingsError> {
        let bad = |problem: &str| {
            Err(SettingsError::BadCauseList {
                problem: problem.to_string(),
            })
        };
        let causes = &self.complaint_causes;
        if causes.is_empty() || causes.len() > MAX_CAUSE_CLASSES {
            return bad("between 1 and 40 classes");
        }
        for (i, c) in causes.iter().enumerate() {
            let key_ok = (1..=40).contains(&c.key.len())
                && c.key
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !key_ok {
                return bad("a key is lower-case letters, digits and _");
            }
            if c.en.trim().is_empty() || c.zh.trim().is_empty() {
                return bad("every class has a name in both languages");
            }
            if causes[..i].iter().any(|o| o.key == c.key) {
                return bad("a key is listed twice");
            }
        }
        Ok(())
    }

    /// Checks every figure is one a company could mean: clocks longer than zero, an
    /// at-risk share between 1 and 99 %, windows and warranties within reason.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let range = |field: &str, min: i64, max: i64| {
            Err(SettingsError::OutOfRange {
                field: field.to_string(),
                min,
                max,
            })
        };
        if !(1..=99).contains(&self.at_risk_percent) {
            return range("at_risk_percent", 1, 99);
        }
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(SettingsError::BadCurrency);
        }
        for (field, value, max) in [
            ("warranty_years", self.warranty_years, 30),
            ("repair_warranty_days", self.repair_warranty_days, 3650),
            ("return_window_days", self.return_window_days, 365),
            ("exchange_window_days", self.exchange_window_days, 365),
            (
                "long_term_follow_up_months",
                self.long_term_follow_up_months,
                120,
            ),
            (
                "key_customer_follow_up_months",
                self.key_customer_follow_up_months,
                120,
            ),
        ] {
            if value > max {
                return range(field, 0, i64::from(max));
            }
        }
        for (field, span) in self.sla.spans() {
            let ok = match span {
                // A clock of more than a year is a typing slip, not a promise.
                SlaSpan::Seconds(s) => (1..=366 * 86_400).contains(&s),
                SlaSpan::WorkingDays(n) => (1..=250).contains(&n),
            };
            if !ok {
                return Err(SettingsError::BadClock {
                    field: format!("sla.{field}"),
                });
            }
        }
        let logo = &self.company.logo;
        let image = ["data:image/png;base64,", "data:image/jpeg;base64,"]
            .iter()
            .any(|p| logo.starts_with(p));
        if logo.len() > MAX_LOGO_CHARS || (!logo.is_empty() && !image) {
            return Err(SettingsError::BadLogo);
        }
        self.validate_causes()
    }
}

impl SlaSettings {
    /// Every clock that is on, by its field name.
    pub fn spans(&self) -> Vec<(&'static str, SlaSpan)> {
        let mut out = vec![
            ("phone_answer", self.phone_answer),
            ("online_first_reply", self.online_first_reply),
            ("first_response", self.first_response),
            ("contact_after_dispatch", self.contact_after_dispatch),
            ("mail_in_inspection", self.mail_in_inspection),
            ("record_entry", self.record_entry),
            ("emergency_response", self.emergency_response),
            ("emergency_on_site", self.emergency_on_site),
            ("complaint_first_contact", self.complaint_first_contact),
            (
                "general_complaint_resolved",
                self.general_complaint_resolved,
            ),
            ("major_complaint_resolved", self.major_complaint_resolved),
            ("follow_up", self.follow_up),
        ];
        if let Some(s) = self.first_handling {
            out.push(("first_handling", s));
        }
        if let Some(s) = self.resolution {
            out.push(("resolution", s));
        }
        out
    }
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
            project_work: Vec::new(),
            long_term_follow_up_months: 12,
            key_customer_follow_up_months: 6,
            sla: SlaSettings::default(),
            company: CompanyInfo::default(),
            complaint_causes: default_complaint_causes(),
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
    fn the_regulation_figures_validate_and_nonsense_does_not() {
        assert_eq!(Settings::default().validate(), Ok(()));
        let mut s = Settings::default();
        s.sla.contact_after_dispatch = SlaSpan::Seconds(0);
        assert_eq!(
            s.validate(),
            Err(SettingsError::BadClock {
                field: "sla.contact_after_dispatch".into()
            })
        );
        let s = Settings {
            at_risk_percent: 0,
            ..Settings::default()
        };
        assert!(s.validate().is_err(), "a 0 % threshold never warns");
        let mut s = Settings::default();
        s.company.logo = "javascript:alert(1)".into();
        assert!(s.validate().is_err(), "a logo must be an image");
    }

    #[test]
    fn settings_without_company_details_still_read() -> Result<(), serde_json::Error> {
        let mut json = serde_json::to_value(Settings::default())?;
        if let Some(map) = json.as_object_mut() {
            map.remove("company");
        }
        let back: Settings = serde_json::from_value(json)?;
        assert_eq!(back.company, CompanyInfo::default());
        Ok(())
    }

    #[test]
    fn settings_from_before_the_cause_list_read_with_the_default_classes(
    ) -> Result<(), serde_json::Error> {
        let mut json = serde_json::to_value(Settings::default())?;
        if let Some(map) = json.as_object_mut() {
            map.remove("complaint_causes");
        }
        let back: Settings = serde_json::from_value(json)?;
        let keys: Vec<&str> = back
            .complaint_causes
            .iter()
            .map(|c| c.key.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                "product_quality",
                "repair_quality",
                "parts",
                "staff_attitude",
                "timeliness",
                "fee",
                "other"
            ]
        );
        assert_eq!(
            back.cause_class("fee").map(|c| c.zh.as_str()),
            Some("收费问题")
        );
        Ok(())
    }

    #[test]
    fn a_cause_list_is_validated() {
        let with = |causes: Vec<CauseClass>| Settings {
            complaint_causes: causes,
            ..Settings::default()
        };
        let class = |key: &str, en: &str, zh: &str| CauseClass {
            key: key.into(),
            en: en.into(),
            zh: zh.into(),
        };
        assert_eq!(
            with(vec![class("delivery", "Delivery", "物流")]).validate(),
            Ok(())
        );
        for (causes, why) in [
            (vec![], "an empty list classifies nothing"),
            (vec![class("Bad Key", "x", "x")], "keys are snake_case"),
            (vec![class("a", "A", " ")], "a name in both languages"),
            (
                vec![class("a", "A", "甲"), class("a", "B", "乙")],
                "a key once",
            ),
        ] {
            let err = with(causes).validate();
            assert!(
                matches!(err, Err(SettingsError::BadCauseList { .. })),
                "{why}: {err:?}"
            );
        }
        assert_eq!(
            with(vec![]).validate().map_err(|e| e.code()),
            Err("errors.company.bad_cause_list")
        );
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
