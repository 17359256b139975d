//! Order documents through the store with onsite-core's operations: the order list,
//! its filters, Chinese and Latin full-text search, van stock, the pending mark, and
//! a rebuild of every projection from the documents alone giving identical rows.

use anyhow::Context as _;
use chrono::Duration;
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionOp};
use onsite_core::{Actor, OrderId, OrderOp, RecordId, RequisitionId, Role};
use onsite_device::fixtures::{epoch, Fixture};
use onsite_device::store::{documents, orders, search, stock};
use onsite_device::{DocKind, OrderFilter, SlaFilter, Store, StoreError};

fn seeded(n: u64) -> anyhow::Result<(tempfile::TempDir, Store, Fixture)> {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("device.db"))?;
    let fx = Fixture::default();
    for i in 0..n {
        let at = epoch() + Duration::minutes(i as i64);
        store.create_order(fx.new_order(i, at), &fx.ctx(fx.dispatcher, at))?;
    }
    Ok((dir, store, fx))
}

fn run_visit(store: &mut Store, fx: &Fixture, i: u64) -> anyhow::Result<()> {
    let start = epoch() + Duration::minutes(i as i64);
    let id = fx.new_order(i, start).id;
    for (actor, offset, op) in fx.visit_ops(i, start, &"ab".repeat(32)) {
        store
            .apply_order(id, &op, &fx.ctx(actor, start + offset))
            .with_context(|| format!("order {i}: {op:?}"))?;
    }
    Ok(())
}

fn ids(rows: &[onsite_device::OrderRow]) -> Vec<String> {
    rows.iter().map(|r| r.number.clone()).collect()
}

#[test]
fn the_order_list_follows_each_edit() -> anyhow::Result<()> {
    let (_dir, mut store, fx) = seeded(12)?;
    let all = store.order_list(&OrderFilter::default())?;
    assert_eq!(all.len(), 12);
    assert!(all.iter().all(|r| r.state == "new"));
    run_visit(&mut store, &fx, 3)?;
    let row = store
        .order_row(&fx.new_order(3, epoch()).id.to_string())?
        .context("row of order 3")?;
    assert_eq!(row.state, "closed", "the list row follows the last edit");
    assert_eq!(row.assignee, Some(fx.technician.user.to_string()));

    let closed = store.order_list(&OrderFilter {
        states: vec!["closed".into()],
        ..Default::default()
    })?;
    assert_eq!(ids(&closed), vec!["WO-2026-000003"]);
    let mine = store.order_list(&OrderFilter {
        assignee: Some(fx.technician.user.to_string()),
        ..Default::default()
    })?;
    assert_eq!(
        mine.len(),
        1,
        "only the dispatched order is the technician's"
    );
    Ok(())
}

#[test]
fn sla_status_is_evaluated_at_the_time_asked() -> anyhow::Result<()> {
    let (_dir, mut store, fx) = seeded(1)?;
    let id = fx.new_order(0, epoch()).id;
    let at = epoch() + Duration::minutes(10);
    store.apply_order(
        id,
        &OrderOp::Dispatch {
            assignee: fx.technician.user,
            window: None,
        },
        &fx.ctx(fx.dispatcher, at),
    )?;
    let row = store.order_row(&id.to_string())?.context("row")?;
    let sla = row
        .sla
        .clone()
        .context("a dispatched order has a running clock")?;
    let due = sla.due_at.context("deadline")?;
    let risk = sla.at_risk_at.context("at-risk instant")?;
    assert!(risk < due);
    let check = |now: i64, want: SlaFilter| -> anyhow::Result<()> {
        assert_eq!(row.sla_status(now), Some(want), "at {now}");
        let listed = store.order_list(&OrderFilter {
            sla: Some(want),
            now,
            ..Default::default()
        })?;
        assert_eq!(
            listed.len(),
            1,
            "the {want:?} filter finds the order at {now}"
        );
        for other in [SlaFilter::OnTrack, SlaFilter::AtRisk, SlaFilter::Breached] {
            if other != want {
                let none = store.order_list(&OrderFilter {
                    sla: Some(other),
                    now,
                    ..Default::default()
                })?;
                assert!(none.is_empty(), "{other:?} must not match at {now}");
            }
        }
        Ok(())
    };
    check(at.timestamp_millis(), SlaFilter::OnTrack)?;
    check(risk + 1000, SlaFilter::AtRisk)?;
    check(due + 1000, SlaFilter::Breached)?;
    Ok(())
}

#[test]
fn search_finds_chinese_names_and_addresses() -> anyhow::Result<()> {
    let (_dir, store, fx) = seeded(40)?;
    let order0 = fx.new_order(0, epoch());
    assert_eq!(
        order0.customer.name, "张伟",
        "fixture: a two-character name"
    );
    let found = store.search_orders("张伟", 100)?;
    assert!(
        ids(&found).contains(&order0.number),
        "a 2-character name is found"
    );
    assert!(
        found.iter().all(|r| r.customer_name.contains("张伟")),
        "张伟 as a phrase, not 张 and 伟 anywhere: {:?}",
        found.iter().map(|r| &r.customer_name).collect::<Vec<_>>()
    );
    let three = fx.new_order(1, epoch()).customer.name;
    assert_eq!(three.chars().count(), 3);
    assert!(ids(&store.search_orders(&three, 100)?).contains(&"WO-2026-000001".to_string()));

    let chaoyang = store.search_orders("北京市朝阳区", 100)?;
    assert!(!chaoyang.is_empty());
    assert!(chaoyang.iter().all(|r| r.address.contains("北京市朝阳区")));
    assert_eq!(
        chaoyang.len(),
        40 / 6 + 1,
        "every order in 朝阳区 and no other"
    );
    assert_eq!(
        store.search_orders("朝阳", 100)?.len(),
        chaoyang.len(),
        "part of an address"
    );
    assert!(store
        .search_orders("朝阳 张伟", 100)?
        .iter()
        .all(|r| r.customer_name == "张伟"));
    assert!(
        store.search_orders("南京", 100)?.is_empty(),
        "no false hits"
    );
    Ok(())
}

#[test]
fn search_finds_latin_names_phones_serials_and_numbers() -> anyhow::Result<()> {
    let (_dir, store, fx) = seeded(40)?;
    let latin = fx.new_order(3, epoch());
    assert_eq!(latin.customer.name, "Anna Schmidt");
    assert!(ids(&store.search_orders("schmidt", 10)?).contains(&latin.number));
    assert!(
        ids(&store.search_orders("ANNA schm", 10)?).contains(&latin.number),
        "prefix, any case"
    );
    let muller = fx.new_order(23, epoch());
    assert_eq!(muller.customer.name, "Noah Müller");
    assert!(
        ids(&store.search_orders("muller", 10)?).contains(&muller.number),
        "diacritics folded"
    );

    let o = fx.new_order(17, epoch());
    let phone_digits: String = o
        .customer
        .phone
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    for q in [
        &phone_digits[..],
        &phone_digits[7..],
        &phone_digits[3..9],
        &o.customer.phone[..],
    ] {
        let hits = store.search_orders(q, 100)?;
        assert!(
            ids(&hits).contains(&o.number),
            "phone query {q:?} finds the order"
        );
        assert!(
            hits.iter()
                .all(|r| r.phone.replace('-', "").contains(&q.replace('-', ""))),
            "phone query {q:?} only finds matching phones"
        );
    }
    let serial = o.product.serial.to_lowercase();
    for q in [&serial[..], &serial[..6], &serial[7..], &serial[3..10]] {
        assert!(
            ids(&store.search_orders(q, 100)?).contains(&o.number),
            "serial query {q:?}"
        );
    }
    assert_eq!(
        ids(&store.search_orders("WO-2026-000017", 10)?),
        vec![o.number.clone()]
    );
    assert_eq!(
        ids(&store.search_orders("000017", 10)?),
        vec![o.number.clone()]
    );
    assert!(
        ids(&store.search_orders("Haier", 100)?).len() >= 8,
        "product model"
    );
    assert!(
        store.search_orders("\" OR * NEAR(", 10).is_ok(),
        "FTS syntax in a query is not an error"
    );
    Ok(())
}

#[test]
fn van_stock_is_issued_minus_used() -> anyhow::Result<()> {
    let (_dir, mut store, fx) = seeded(3)?;
    let van = fx.van.to_string();
    let storekeeper = Actor {
        user: onsite_core::UserId(uuid::Uuid::now_v7()),
        role: Role::Storekeeper,
    };
    let at = epoch();
    let req_id = RequisitionId(uuid::Uuid::now_v7());
    let tech_ctx = fx.ctx(fx.technician, at);
    let req = RequisitionDoc::new(
        req_id,
        "RQ-1".into(),
        fx.technician.user,
        fx.van,
        fx.warehouse,
        None,
        &tech_ctx,
    )?;
    store.create_requisition(req, &tech_ctx)?;
    let line = RecordId(uuid::Uuid::now_v7());
    let part = onsite_core::PartId(uuid::Uuid::from_u64_pair(
        0x0190_0000_0000_701e,
        0x8000_0000_0000_0000,
    ));
    let steps = [
        (
            fx.technician,
            RequisitionOp::AddLine {
                id: line,
                part,
                part_number: "CAP-450V".into(),
                valuable: false,
                serialized: false,
                quantity: 5,
            },
        ),
        (
            onsite_core::Actor {
                role: Role::Supervisor,
                ..storekeeper
            },
            RequisitionOp::Approve {
                id: RecordId(uuid::Uuid::now_v7()),
                quantities: vec![(line, 5)],
                note: String::new(),
            },
        ),
        (
            storekeeper,
            RequisitionOp::Issue {
                id: RecordId(uuid::Uuid::now_v7()),
                line,
                quantity: 5,
                serials: vec![],
            },
        ),
    ];
    for (actor, op) in steps {
        store
            .apply_requisition(req_id, &op, &fx.ctx(actor, at))
            .with_context(|| format!("{op:?}"))?;
    }
    let balance = |store: &Store| -> anyhow::Result<i64> {
        Ok(store
            .stock_balances(&van)?
            .iter()
            .find(|b| b.part_id == part.to_string())
            .map_or(0, |b| b.quantity))
    };
    assert_eq!(balance(&store)?, 5, "five issued into the van");
    // Fixture order 0 uses one unit of part id(30, 0), the part above.
    run_visit(&mut store, &fx, 0)?;
    assert_eq!(balance(&store)?, 4, "one used on order 0");
    Ok(())
}

#[test]
fn a_refused_operation_changes_no_row_and_says_which_rule() -> anyhow::Result<()> {
    let (_dir, mut store, fx) = seeded(1)?;
    let id = fx.new_order(0, epoch()).id;
    let before = orders::all(store.connection())?;
    let err = store
        .apply_order(id, &OrderOp::Close, &fx.ctx(fx.technician, epoch()))
        .unwrap_err();
    let StoreError::Domain { ref source, .. } = err else {
        anyhow::bail!("expected a domain refusal, got {err}");
    };
    assert!(source.code().starts_with("errors."), "{}", source.code());
    assert!(
        err.to_string().contains(&id.to_string()),
        "the error names the order: {err}"
    );
    assert_eq!(orders::all(store.connection())?, before);
    Ok(())
}

#[test]
fn an_edit_marks_the_order_pending_until_acknowledged() -> anyhow::Result<()> {
    let (_dir, mut store, fx) = seeded(2)?;
    let pending = store.pending()?;
    assert_eq!(
        pending.len(),
        2,
        "orders created on the device wait to be synced"
    );
    let id = fx.new_order(1, epoch()).id.to_string();
    let (bytes, seq) = store.changes_for_server(DocKind::Order, &id)?;
    let heads = automerge::AutoCommit::load(&bytes)?.get_heads();
    store.acknowledge(DocKind::Order, &id, &heads, seq)?;
    assert_eq!(store.pending()?.len(), 1);
    store.apply_order(
        OrderId(id.parse()?),
        &OrderOp::Comment {
            id: RecordId(uuid::Uuid::now_v7()),
            text: "客户要求下午来".into(),
        },
        &fx.ctx(fx.dispatcher, epoch()),
    )?;
    assert_eq!(store.pending()?.len(), 2, "the edit marks it pending again");
    Ok(())
}

type Snapshot = (
    Vec<onsite_device::OrderRow>,
    Vec<(i64, String, String)>,
    Vec<(i64, stock::MovementRow)>,
    Vec<stock::Balance>,
);

fn snapshot(store: &Store) -> anyhow::Result<Snapshot> {
    let conn = store.connection();
    Ok((
        orders::all(conn)?,
        search::all(conn)?,
        stock::all_movements(conn)?,
        stock::all_balances(conn)?,
    ))
}

#[test]
fn rebuilding_projections_from_documents_gives_identical_rows() -> anyhow::Result<()> {
    let (dir, mut store, fx) = seeded(30)?;
    for i in [0, 4, 9, 16] {
        run_visit(&mut store, &fx, i)?;
    }
    store.apply_order(
        fx.new_order(5, epoch()).id,
        &OrderOp::Dispatch {
            assignee: fx.technician.user,
            window: None,
        },
        &fx.ctx(fx.dispatcher, epoch()),
    )?;
    let before = snapshot(&store)?;
    assert_eq!(before.0.len(), 30);
    assert_eq!(before.1.len(), 30);
    assert_eq!(before.2.len(), 4, "four part lines");
    assert!(!before.3.is_empty());
    drop(store);
    let mut store = Store::open(&dir.path().join("device.db"))?;
    let problems = store.rebuild_projections()?;
    assert!(problems.is_empty(), "{problems:?}");
    let after = snapshot(&store)?;
    assert_eq!(before.0, after.0, "order list rows");
    assert_eq!(before.1, after.1, "search rows");
    assert_eq!(before.2, after.2, "stock movements");
    assert_eq!(before.3, after.3, "stock balances");
    assert_eq!(documents::list(store.connection(), None)?.len(), 30);
    Ok(())
}

#[test]
fn an_order_received_from_the_office_is_listed_but_not_pending() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("device.db"))?;
    let fx = Fixture::default();
    let new = fx.new_order(7, epoch());
    let id = new.id;
    // The office makes the order and dispatches it, with its own actor.
    let mut office = automerge::AutoCommit::new();
    let ctx = fx.ctx(fx.dispatcher, epoch());
    let order = onsite_core::OrderDoc::new(new, &ctx)?;
    onsite_core::ops::create(&mut office, &order, &ctx)?;
    store.receive(DocKind::Order, &id.to_string(), &office.save())?;
    let dispatch = OrderOp::Dispatch {
        assignee: fx.technician.user,
        window: None,
    };
    onsite_core::ops::apply(&mut office, &dispatch, &ctx)?;
    store.receive(DocKind::Order, &id.to_string(), &office.save_incremental())?;
    let row = store
        .order_row(&id.to_string())?
        .context("the received order is listed")?;
    assert_eq!(row.state, "dispatched", "the list follows received changes");
    assert!(
        store.pending()?.is_empty(),
        "nothing of the device's own to send"
    );
    assert_eq!(
        ids(&store.search_orders("WO-2026-000007", 5)?),
        vec![row.number.clone()]
    );
    // The technician's edit on top is local, and pending.
    store.apply_order(
        id,
        &OrderOp::LogContact {
            id: RecordId(uuid::Uuid::now_v7()),
            channel: onsite_core::records::order::ContactChannel::Phone,
            reached: true,
            note: String::new(),
        },
        &fx.ctx(fx.technician, epoch() + Duration::hours(1)),
    )?;
    assert_eq!(store.pending()?.len(), 1);
    assert_eq!(
        store.order_row(&id.to_string())?.context("row")?.state,
        "contacted"
    );
    Ok(())
}
