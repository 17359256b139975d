//! Test helper for `tests/crash_safety.rs`: opens the device store at the given path and
//! makes order edits in a loop, printing `ack <order> <comment>` after each commit
//! returns, until it is killed. Not part of the app.

use std::io::Write;

use anyhow::Context;
use onsite_core::{OrderOp, RecordId};
use onsite_device::fixtures::{epoch, Fixture};
use onsite_device::Store;

const ORDERS: u64 = 12;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .context("usage: onsite-crash-writer DB_PATH [EDITS]")?;
    let limit: u64 = match std::env::args().nth(2) {
        Some(n) => n.parse().context("EDITS must be a number")?,
        None => u64::MAX,
    };
    let mut store = Store::open(std::path::Path::new(&path))?;
    let fx = Fixture::default();
    for i in 0..ORDERS {
        let new = fx.new_order(i, epoch());
        let id = new.id;
        if !store.contains(&id.to_string())? {
            store.create_order(new, &fx.ctx(fx.dispatcher, epoch()))?;
        }
        if store.order(id)?.assignee.is_none() {
            let dispatch = OrderOp::Dispatch {
                assignee: fx.technician.user,
                window: None,
            };
            store.apply_order(id, &dispatch, &fx.ctx(fx.dispatcher, epoch()))?;
        }
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    for n in 0..limit {
        let order = fx.new_order(n % ORDERS, epoch()).id;
        let comment = RecordId(uuid::Uuid::now_v7());
        let op = OrderOp::Comment {
            id: comment,
            text: format!("edit {n}: 客户确认 / confirmed"),
        };
        store.apply_order(order, &op, &fx.ctx(fx.technician, chrono::Utc::now()))?;
        writeln!(out, "ack {order} {comment}")?;
        out.flush()?;
    }
    Ok(())
}
