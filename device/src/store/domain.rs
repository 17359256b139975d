//! The store's typed face for onsite-core: create and edit orders, complaints and
//! requisitions with domain operations (`onsite_core::ops::create` / `apply`), each
//! edit one SQLite transaction, and read them back hydrated. Errors from the rules come
//! back as [`StoreError::Domain`], whose `source.code()` the UI translates.

use onsite_core::doc::complaint::{ComplaintDoc, ComplaintOp, NewComplaint};
use onsite_core::doc::order::NewOrder;
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionOp};
use onsite_core::doc::{Document, Operation};
use onsite_core::{ops, ComplaintId, Ctx, DomainError, OrderDoc, OrderId, OrderOp, RequisitionId};

use super::{DocKind, Store};
use crate::error::StoreError;
use crate::projection::Projectable;

fn refused(
    doing: &'static str,
    kind: DocKind,
    id: String,
) -> impl FnOnce(DomainError) -> StoreError {
    move |source| StoreError::Domain {
        doing,
        kind: kind.as_str(),
        id,
        source: Box::new(source),
    }
}

impl Store {
    fn create_doc<D: Document>(
        &mut self,
        kind: DocKind,
        id: String,
        make: impl FnOnce() -> Result<D, DomainError>,
        ctx: &Ctx<'_>,
    ) -> Result<D, StoreError> {
        self.create_inner(
            kind,
            &id,
            |doc| {
                let value = make()?;
                ops::create(doc, &value, ctx)?;
                Ok(value)
            },
            refused("creating", kind, id.clone()),
        )
    }

    fn apply_op<O: Operation<Doc: Projectable>>(
        &mut self,
        kind: DocKind,
        id: String,
        op: &O,
        ctx: &Ctx<'_>,
    ) -> Result<O::Doc, StoreError> {
        self.edit_inner(
            kind,
            &id,
            |doc| ops::apply(doc, op, ctx).map(|applied| applied.doc),
            refused("editing", kind, id.clone()),
            |doc, projector| Some(doc.projection(projector)),
        )
    }

    fn hydrate_doc<D: Document>(&mut self, kind: DocKind, id: String) -> Result<D, StoreError> {
        self.read(kind, &id, |doc| ops::hydrate::<D>(doc))?
            .map_err(refused("reading", kind, id))
    }

    /// Creates an order from intake (dispatcher or supervisor).
    pub fn create_order(&mut self, new: NewOrder, ctx: &Ctx<'_>) -> Result<OrderDoc, StoreError> {
        let id = new.id.to_string();
        self.create_doc(DocKind::Order, id, || Ok(OrderDoc::new(new, ctx)?), ctx)
    }

    /// Applies one order operation as one committed edit; returns the order after it.
    pub fn apply_order(
        &mut self,
        id: OrderId,
        op: &OrderOp,
        ctx: &Ctx<'_>,
    ) -> Result<OrderDoc, StoreError> {
        self.apply_op(DocKind::Order, id.to_string(), op, ctx)
    }

    /// Reads an order.
    pub fn order(&mut self, id: OrderId) -> Result<OrderDoc, StoreError> {
        self.hydrate_doc(DocKind::Order, id.to_string())
    }

    /// Creates a complaint (office roles).
    pub fn create_complaint(
        &mut self,
        new: NewComplaint,
        ctx: &Ctx<'_>,
    ) -> Result<ComplaintDoc, StoreError> {
        let id = new.id.to_string();
        self.create_doc(
            DocKind::Complaint,
            id,
            || Ok(ComplaintDoc::new(new, ctx)?),
            ctx,
        )
    }

    /// Applies one complaint operation.
    pub fn apply_complaint(
        &mut self,
        id: ComplaintId,
        op: &ComplaintOp,
        ctx: &Ctx<'_>,
    ) -> Result<ComplaintDoc, StoreError> {
        self.apply_op(DocKind::Complaint, id.to_string(), op, ctx)
    }

    /// Reads a complaint.
    pub fn complaint(&mut self, id: ComplaintId) -> Result<ComplaintDoc, StoreError> {
        self.hydrate_doc(DocKind::Complaint, id.to_string())
    }

    /// Creates a requisition from a prepared document (see `RequisitionDoc::new`).
    pub fn create_requisition(
        &mut self,
        requisition: RequisitionDoc,
        ctx: &Ctx<'_>,
    ) -> Result<RequisitionDoc, StoreError> {
        let id = requisition.id.to_string();
        self.create_doc(DocKind::Requisition, id, || Ok(requisition), ctx)
    }

    /// Applies one requisition operation.
    pub fn apply_requisition(
        &mut self,
        id: RequisitionId,
        op: &RequisitionOp,
        ctx: &Ctx<'_>,
    ) -> Result<RequisitionDoc, StoreError> {
        self.apply_op(DocKind::Requisition, id.to_string(), op, ctx)
    }

    /// Reads a requisition.
    pub fn requisition(&mut self, id: RequisitionId) -> Result<RequisitionDoc, StoreError> {
        self.hydrate_doc(DocKind::Requisition, id.to_string())
    }
}
