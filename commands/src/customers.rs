//! The returning customer at intake: the complaints of the customer with the phone typed
//! that are still open (`customer_open_complaints`), so the agent is warned before taking
//! a new request. The customer is found by phone (`onsite_core::customers`); an office
//! device holds every complaint.

use crate::complaints::ComplaintListItem;
use crate::error::CommandError;
use crate::App;

/// The open complaints of the customer with `phone`, oldest first, with their clocks.
#[tracing::instrument(skip_all)]
pub fn customer_open_complaints(
    app: &App,
    phone: &str,
) -> Result<Vec<ComplaintListItem>, CommandError> {
    let now = app.now();
    app.with_store(|store| {
        let rules = crate::rules_of(store);
        let all = crate::complaints::every(store)?;
        onsite_core::customers::open_complaints(phone, &all)
            .into_iter()
            .map(|c| crate::complaints::item(store, &rules, c, now))
            .collect()
    })
}
