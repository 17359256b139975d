//! Automerge encodings for types autosurgeon does not know: chrono instants (stored as
//! Automerge timestamps, milliseconds) and calendar dates (stored as `YYYY-MM-DD`).
//! Used through `#[autosurgeon(with = "…")]` on record fields.

use autosurgeon::{Hydrate, HydrateError, Prop, ReadDoc, Reconcile, Reconciler};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

struct AmTime(DateTime<Utc>);

impl Reconcile for AmTime {
    type Key<'a> = i64;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.timestamp(self.0.timestamp_millis())
    }
}

impl Hydrate for AmTime {
    fn hydrate_timestamp(t: i64) -> Result<Self, HydrateError> {
        Utc.timestamp_millis_opt(t)
            .single()
            .map(AmTime)
            .ok_or_else(|| HydrateError::unexpected("a timestamp in range", t.to_string()))
    }
    fn hydrate_int(t: i64) -> Result<Self, HydrateError> {
        Self::hydrate_timestamp(t)
    }
}

struct AmDate(NaiveDate);

impl Reconcile for AmDate {
    type Key<'a> = String;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(self.0.format("%Y-%m-%d").to_string())
    }
}

impl Hydrate for AmDate {
    fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(AmDate)
            .map_err(|_| HydrateError::unexpected("a YYYY-MM-DD date", s.to_string()))
    }
}

/// `DateTime<Utc>` as an Automerge timestamp.
pub mod time {
    use super::*;
    /// Writes the instant.
    pub fn reconcile<R: Reconciler>(v: &DateTime<Utc>, r: R) -> Result<(), R::Error> {
        AmTime(*v).reconcile(r)
    }
    /// Reads the instant.
    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: Prop<'_>,
    ) -> Result<DateTime<Utc>, HydrateError> {
        AmTime::hydrate(doc, obj, prop).map(|t| t.0)
    }
}

/// `Option<DateTime<Utc>>` as an Automerge timestamp or null.
pub mod opt_time {
    use super::*;
    /// Writes the instant or null.
    pub fn reconcile<R: Reconciler>(v: &Option<DateTime<Utc>>, r: R) -> Result<(), R::Error> {
        v.map(AmTime).reconcile(r)
    }
    /// Reads the instant or null.
    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: Prop<'_>,
    ) -> Result<Option<DateTime<Utc>>, HydrateError> {
        Option::<AmTime>::hydrate(doc, obj, prop).map(|t| t.map(|t| t.0))
    }
}

/// `Option<NaiveDate>` as a `YYYY-MM-DD` string or null.
pub mod opt_date {
    use super::*;
    /// Writes the date or null.
    pub fn reconcile<R: Reconciler>(v: &Option<NaiveDate>, r: R) -> Result<(), R::Error> {
        v.map(AmDate).reconcile(r)
    }
    /// Reads the date or null.
    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: Prop<'_>,
    ) -> Result<Option<NaiveDate>, HydrateError> {
        Option::<AmDate>::hydrate(doc, obj, prop).map(|t| t.map(|t| t.0))
    }
}

/// An optional instant borrowed for reconciling a single top-level field.
pub(crate) struct OptTimeRef<'a>(pub &'a Option<DateTime<Utc>>);

impl Reconcile for OptTimeRef<'_> {
    type Key<'b> = i64;
    fn reconcile<R: Reconciler>(&self, r: R) -> Result<(), R::Error> {
        opt_time::reconcile(self.0, r)
    }
}

impl PartialEq for OptTimeRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
