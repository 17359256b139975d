//! The customer across documents: intake gives every order a new customer id, so orders
//! and complaints are the same customer's when they carry the same phone number (what
//! the office searches by). Which of a customer's complaints are still open, for the
//! warning at intake. No storage.

use crate::doc::complaint::{ComplaintDoc, ComplaintStatus};

/// The phone as compared: spaces and dashes dropped, so `138-0013 8000` is `13800138000`.
pub fn phone_key(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// Whether two phones are the same customer's (an empty phone is nobody's).
pub fn same_customer(a: &str, b: &str) -> bool {
    let a = phone_key(a);
    !a.is_empty() && a == phone_key(b)
}

/// The complaints of the customer with `phone` that are not closed, oldest first: intake
/// warns about them before a new request is taken.
pub fn open_complaints<'a>(phone: &str, complaints: &'a [ComplaintDoc]) -> Vec<&'a ComplaintDoc> {
    let mut out: Vec<&ComplaintDoc> = complaints
        .iter()
        .filter(|c| c.status != ComplaintStatus::Closed && same_customer(phone, &c.phone))
        .collect();
    out.sort_by_key(|c| c.received_at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::complaint::{NewComplaint, Severity};
    use crate::fixtures::{t0, Scenario};
    use crate::ids::ComplaintId;
    use crate::records::request::ServiceMode;
    use crate::Ctx;

    fn complaint(phone: &str, seed: u128) -> ComplaintDoc {
        let s = Scenario::new(ServiceMode::OnSite, false);
        let ctx = Ctx {
            actor: s.cast.dispatcher,
            now: t0() + chrono::Duration::minutes(seed as i64),
            settings: &s.settings,
            calendar: &s.calendar,
        };
        ComplaintDoc::new(
            NewComplaint {
                id: ComplaintId(crate::fixtures::uuid(seed)),
                number: format!("TS-{seed}"),
                complainant: "王芳".into(),
                phone: phone.into(),
                contact: String::new(),
                content: "late".into(),
                demand: String::new(),
                order: None,
                severity: Severity::General,
            },
            &ctx,
        )
        .expect("a dispatcher records a complaint")
    }

    #[test]
    fn the_same_phone_written_with_spaces_or_dashes_is_the_same_customer() {
        assert!(same_customer("138 0013 8000", "138-0013-8000"));
        assert!(!same_customer("13800138000", "13800138001"));
        assert!(!same_customer("", ""), "an empty phone is nobody's");
    }

    #[test]
    fn only_the_customers_complaints_not_yet_closed_are_open_oldest_first() {
        let mut closed = complaint("13800138000", 1);
        closed.status = ComplaintStatus::Closed;
        let all = [
            complaint("13800138000", 3),
            closed,
            complaint("13900000000", 2),
            complaint("138 0013 8000", 2),
        ];
        let open: Vec<&str> = open_complaints("13800138000", &all)
            .iter()
            .map(|c| c.number.as_str())
            .collect();
        assert_eq!(open, ["TS-2", "TS-3"]);
    }
}
