//! Trust no device: every push is reviewed by the server against the pusher's role, on
//! the stored state before the merge, with authorship attested by the server. Each test
//! is one finding of issue 10, reproduced with a tampered client (the app itself would
//! refuse these operations) against a real server on loopback. What is not allowed is
//! held in quarantine and, where it was merged, put back; what is allowed still merges.

use anyhow::Context as _;
use automerge::transaction::CommitOptions;
use automerge::AutoCommit;
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::doc::requisition::{RequisitionDoc, RequisitionOp, RequisitionStatus};
use onsite_core::doc::Document as _;
use onsite_core::ids::{LocationId, PartId, RequisitionId};
use onsite_core::lifecycle::OrderState;
use onsite_core::records::order::{Comment, ContactChannel, StateChange};
use onsite_core::records::request::ServiceMode;
use onsite_core::role::{Actor, Role};
use onsite_core::{fixtures, ops, Calendar, Ctx, Money, RecordId, Settings, UserId};
use onsite_server::sync::protocol::{DocKind, PushResult};
use onsite_tests::protocol_client::Client;
use onsite_tests::trust::tamper;
use onsite_tests::TestServer;

const PASSWORD: &str = "correct horse";

struct Office {
    server: TestServer,
    settings: Settings,
    calendar: Calendar,
    dispatcher: Actor,
    supervisor: Actor,
    keeper: Actor,
    tech_a: Actor,
    tech_b: Actor,
}

async fn office() -> anyhow::Result<Office> {
    let server = TestServer::start().await?;
    let actor = |login: &str, name: &str, role| -> anyhow::Result<Actor> {
        let account = server.add_user(login, name, role, PASSWORD)?;
        Ok(Actor {
            user: UserId(account.id.parse()?),
            role,
        })
    };
    Ok(Office {
        dispatcher: actor("wang.fang", "王芳", Role::Dispatcher)?,
        supervisor: actor("zhao.min", "赵敏", Role::Supervisor)?,
        keeper: actor("sun.li", "孙丽", Role::Storekeeper)?,
        tech_a: actor("li.wei", "李伟", Role::Technician)?,
        tech_b: actor("chen.jie", "陈杰", Role::Technician)?,
        settings: Settings::default(),
        calendar: Calendar::default(),
        server,
    })
}

impl Office {
    fn ctx(&self, actor: Actor) -> Ctx<'_> {
        Ctx {
            actor,
            now: chrono::Utc::now(),
            settings: &self.settings,
            calendar: &self.calendar,
        }
    }

    async fn sign_in(&self, login: &str) -> anyhow::Result<Client> {
        Client::sign_in(&self.server.url(""), login, PASSWORD).await
    }

    /// A new order created by the dispatcher on `desk` and dispatched to `tech`; both
    /// sync.
    async fn dispatched(
        &self,
        desk: &mut Client,
        tech: &mut Client,
        seed: u128,
        to: Actor,
    ) -> anyhow::Result<String> {
        self.dispatched_new(
            desk,
            tech,
            fixtures::new_order(seed, ServiceMode::OnSite, None),
            to,
        )
        .await
    }

    /// `new` created at the office and dispatched to `to`; both clients synced.
    async fn dispatched_new(
        &self,
        desk: &mut Client,
        tech: &mut Client,
        new: onsite_core::doc::order::NewOrder,
        to: Actor,
    ) -> anyhow::Result<String> {
        let id = new.id.to_string();
        let ctx = self.ctx(self.dispatcher);
        let order = OrderDoc::new(new, &ctx)?;
        let mut doc = AutoCommit::new();
        ops::create(&mut doc, &order, &ctx)?;
        ops::apply(
            &mut doc,
            &OrderOp::Dispatch {
                assignee: to.user,
                window: None,
            },
            &ctx,
        )?;
        desk.insert(id.clone(), DocKind::Order, doc);
        desk.sync().await?;
        tech.sync().await?;
        Ok(id)
    }

    /// `op` applied honestly by `who` on `client` (the app's own path).
    fn run(&self, client: &mut Client, id: &str, who: Actor, op: OrderOp) -> anyhow::Result<()> {
        ops::apply(client.doc(id)?, &op, &self.ctx(who))?;
        Ok(())
    }

    /// The technician's whole visit, as the app records it, up to a signed-off order
    /// (or a passing test, without `sign`).
    fn visit(&self, c: &mut Client, id: &str, tech: Actor, sign: bool) -> anyhow::Result<()> {
        let fee = Money::new(28_000, "CNY");
        let now = chrono::Utc::now();
        let steps = [
            OrderOp::LogContact {
                id: RecordId::new_at(now),
                channel: ContactChannel::Phone,
                reached: true,
                note: "约好今天下午".into(),
            },
            OrderOp::CheckIn {
                visit: RecordId::new_at(now),
            },
            OrderOp::ShowWorkId,
            OrderOp::ConfirmFault {
                note: "drum does not spin".into(),
            },
            OrderOp::RecordDiagnosis {
                cause: "belt cracked".into(),
                plan: "replace the belt".into(),
                parts: vec![],
                tools: "kit".into(),
                estimated_minutes: 30,
                estimated_fee: fee.clone(),
                risks: "none".into(),
                touches_data: false,
            },
            OrderOp::RecordConsent {
                customer_name: "王芳".into(),
                fee_agreed: Some(fee),
                by_phone: false,
            },
            OrderOp::AddRepairStep {
                id: RecordId::new_at(now),
                description: "replaced the belt".into(),
                minutes: 20,
            },
            OrderOp::RecordTest {
                id: RecordId::new_at(now),
                passed: true,
                notes: "full spin".into(),
                care_advice_given: true,
            },
            OrderOp::SignOff {
                id: RecordId::new_at(now),
                signer: "王芳".into(),
                rating: Some(5),
                signature_blob: "ab".repeat(32),
            },
        ];
        for op in steps {
            if !sign && matches!(op, OrderOp::SignOff { .. }) {
                break;
            }
            self.run(c, id, tech, op)?;
        }
        Ok(())
    }

    /// What a tampered app writes: `op` goes through as if `who` were a supervisor, and
    /// everything is then attributed to `who` honestly (history, comments, message), so
    /// only the role rules can catch it.
    fn forge(&self, c: &mut Client, id: &str, who: Actor, op: OrderOp) -> anyhow::Result<()> {
        let boss = Actor {
            user: who.user,
            role: Role::Supervisor,
        };
        let name = op.transition().name();
        tamper(c, id, who, name, |order| {
            let known = order.history.len();
            order.apply(&op, &self.ctx(boss))?;
            for h in order.history.iter_mut().skip(known) {
                h.role = who.role;
            }
            Ok(())
        })
    }

    fn db(&self) -> anyhow::Result<onsite_server::db::Db> {
        onsite_tests::pg::open(self.server.data.path())
    }

    /// (code, neutralised) of every held change for `doc_id`.
    fn held(&self, doc_id: &str) -> anyhow::Result<Vec<(String, bool)>> {
        let db = self.db()?;
        let conn = db.conn();
        let mut stmt =
            conn.prepare("SELECT code, neutralised FROM quarantine WHERE doc_id = ?1")?;
        let rows = stmt
            .query_map([doc_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

fn order(c: &mut Client, id: &str) -> anyhow::Result<OrderDoc> {
    Ok(ops::hydrate::<OrderDoc>(c.doc(id)?)?)
}

fn quarantined(c: &Client) -> Option<String> {
    c.last_results.iter().find_map(|r| match r {
        PushResult::Quarantined { code, .. } => Some(code.clone()),
        _ => None,
    })
}

fn accepted(c: &Client) -> bool {
    !c.last_results.is_empty()
        && c.last_results
            .iter()
            .all(|r| matches!(r, PushResult::Accepted { .. }))
}

/// Sets up a technician with an order dispatched to them; returns (desk, tech, order id).
async fn dispatched_to_a(o: &Office, seed: u128) -> anyhow::Result<(Client, Client, String)> {
    let mut desk = o.sign_in("wang.fang").await?;
    let mut a = o.sign_in("li.wei").await?;
    let id = o.dispatched(&mut desk, &mut a, seed, o.tech_a).await?;
    Ok((desk, a, id))
}

/// Drives the order to closed through the app's own path, and checks it merged.
async fn closed_by_a(o: &Office, seed: u128) -> anyhow::Result<(Client, Client, String)> {
    let (desk, mut a, id) = dispatched_to_a(o, seed).await?;
    o.visit(&mut a, &id, o.tech_a, true)?;
    o.run(&mut a, &id, o.tech_a, OrderOp::Close)?;
    a.sync().await?;
    anyhow::ensure!(
        accepted(&a),
        "the technician's honest visit merges: {:?}",
        a.last_results
    );
    Ok((desk, a, id))
}

#[tokio::test]
async fn a_technician_cancelling_an_order_is_held_and_put_back() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 1).await?;
    o.forge(
        &mut a,
        &id,
        o.tech_a,
        OrderOp::Cancel {
            reason: "customer not home".into(),
        },
    )?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change"),
        "{:?}",
        a.last_results
    );
    assert_eq!(
        order(&mut a, &id)?.state,
        OrderState::Dispatched,
        "the device copy is put back"
    );
    desk.sync().await?;
    let at_office = order(&mut desk, &id)?;
    assert_eq!(at_office.state, OrderState::Dispatched);
    assert!(at_office.cancellation.is_none(), "no cancellation recorded");
    assert_eq!(o.held(&id)?, [("technician_may_not_change".into(), true)]);
    o.server.stop().await
}

#[tokio::test]
async fn a_technician_recording_a_return_decision_is_held_and_put_back() -> anyhow::Result<()> {
    use onsite_core::returns::{Claim, ClaimKind, Ground};
    let o = office().await?;
    let mut desk = o.sign_in("wang.fang").await?;
    let mut a = o.sign_in("li.wei").await?;
    let today = chrono::Utc::now().date_naive();
    let mut new = fixtures::new_order(30, ServiceMode::OnSite, Some(today));
    new.request.classification = onsite_core::records::request::Classification::ReturnExchange;
    let id = o.dispatched_new(&mut desk, &mut a, new, o.tech_a).await?;
    o.forge(
        &mut a,
        &id,
        o.tech_a,
        OrderOp::DecideReturn {
            id: RecordId::new_at(chrono::Utc::now()),
            claim: Claim {
                kind: ClaimKind::Exchange,
                delivered_on: today,
                requested_on: today,
                grounds: vec![Ground::QualityDefect],
                complete: true,
                proof_of_purchase: true,
                man_made_damage: false,
                tampered_or_label_torn: false,
                force_majeure: false,
                no_defect_found: false,
            },
            granted: true,
            reason: "swapped it on the spot".into(),
        },
    )?;
    a.sync().await?;
    assert!(quarantined(&a).is_some(), "{:?}", a.last_results);
    assert!(
        order(&mut a, &id)?.return_decisions.is_empty(),
        "the device copy is put back"
    );
    desk.sync().await?;
    assert!(order(&mut desk, &id)?.return_decisions.is_empty());
    let held = o.held(&id)?;
    assert!(!held.is_empty(), "kept for the supervisor: {held:?}");
    Ok(())
}

#[tokio::test]
async fn a_technician_reopening_a_closed_order_is_held_and_put_back() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = closed_by_a(&o, 2).await?;
    o.forge(
        &mut a,
        &id,
        o.tech_a,
        OrderOp::Reopen {
            reason: "more work".into(),
        },
    )?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change")
    );
    desk.sync().await?;
    assert_eq!(
        order(&mut desk, &id)?.state,
        OrderState::Closed,
        "only a supervisor reopens"
    );
    assert_eq!(order(&mut a, &id)?.state, OrderState::Closed);
    o.server.stop().await
}

#[tokio::test]
async fn a_technician_recording_a_follow_up_is_held_and_put_back() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = closed_by_a(&o, 3).await?;
    o.forge(
        &mut a,
        &id,
        o.tech_a,
        OrderOp::FollowUp {
            id: RecordId::new_at(chrono::Utc::now()),
            channel: ContactChannel::Phone,
            score: Some(5),
            comment: "very happy".into(),
        },
    )?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change")
    );
    desk.sync().await?;
    assert!(
        order(&mut desk, &id)?.follow_ups.is_empty(),
        "follow-ups are the office's"
    );

    // The dispatcher's follow-up, the allowed path, merges.
    o.run(
        &mut desk,
        &id,
        o.dispatcher,
        OrderOp::FollowUp {
            id: RecordId::new_at(chrono::Utc::now()),
            channel: ContactChannel::Phone,
            score: Some(4),
            comment: "ok".into(),
        },
    )?;
    desk.sync().await?;
    assert!(accepted(&desk), "{:?}", desk.last_results);
    o.server.stop().await
}

#[tokio::test]
async fn moving_an_order_from_dispatched_straight_to_closed_is_held() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 4).await?;
    let tech = o.tech_a;
    tamper(&mut a, &id, tech, "close", |order| {
        let now = chrono::Utc::now();
        order.history.push(StateChange {
            id: RecordId::new_at(now),
            at: now,
            by: tech.user,
            role: tech.role,
            from: order.state,
            to: OrderState::Closed,
            reason: String::new(),
            pauses_clocks: false,
        });
        order.state = OrderState::Closed;
        order.closed_at = Some(now);
        Ok(())
    })?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change")
    );
    desk.sync().await?;
    let at_office = order(&mut desk, &id)?;
    assert_eq!(at_office.state, OrderState::Dispatched);
    assert!(at_office.closed_at.is_none());
    assert_eq!(
        at_office.history.len(),
        1,
        "only the dispatch is in the history"
    );
    o.server.stop().await
}

#[tokio::test]
async fn emptying_the_history_is_held_and_put_back() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 5).await?;
    tamper(&mut a, &id, o.tech_a, "comment", |order| {
        order.history.clear();
        Ok(())
    })?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change")
    );
    desk.sync().await?;
    assert_eq!(
        order(&mut desk, &id)?.history.len(),
        1,
        "the audit trail is append-only"
    );
    assert_eq!(
        order(&mut a, &id)?.history.len(),
        1,
        "and back on the device"
    );
    o.server.stop().await
}

#[tokio::test]
async fn a_comment_signed_as_the_supervisor_is_held_and_put_back() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 6).await?;
    let supervisor = o.supervisor;
    tamper(&mut a, &id, o.tech_a, "comment", |order| {
        let now = chrono::Utc::now();
        order.comments.push(Comment {
            id: RecordId::new_at(now),
            at: now,
            by: supervisor,
            text: "approved, go ahead".into(),
        });
        Ok(())
    })?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change")
    );
    desk.sync().await?;
    assert!(order(&mut desk, &id)?.comments.is_empty());

    // Their own comment, signed as themselves, merges.
    o.run(
        &mut a,
        &id,
        o.tech_a,
        OrderOp::Comment {
            id: RecordId::new_at(chrono::Utc::now()),
            text: "customer asks for a call first".into(),
        },
    )?;
    a.sync().await?;
    assert!(accepted(&a), "{:?}", a.last_results);
    o.server.stop().await
}

/// A requisition raised by `tech` on `c` with one line, synced.
async fn requisition(
    o: &Office,
    c: &mut Client,
    tech: Actor,
    seed: u128,
) -> anyhow::Result<String> {
    let ctx = o.ctx(tech);
    let id = RequisitionId(fixtures::uuid(9000 + seed));
    let req = RequisitionDoc::new(
        id,
        format!("RQ-{seed}"),
        tech.user,
        LocationId(fixtures::uuid(100 + seed)),
        LocationId(fixtures::uuid(99)),
        None,
        &ctx,
    )?;
    let mut doc = AutoCommit::new();
    ops::create(&mut doc, &req, &ctx)?;
    ops::apply(
        &mut doc,
        &RequisitionOp::AddLine {
            id: RecordId::new_at(ctx.now),
            part: PartId(fixtures::uuid(500)),
            part_number: "BELT-8".into(),
            valuable: false,
            serialized: false,
            quantity: 2,
        },
        &ctx,
    )?;
    c.insert(id.to_string(), DocKind::Requisition, doc);
    c.sync().await?;
    anyhow::ensure!(
        accepted(c),
        "raising a requisition merges: {:?}",
        c.last_results
    );
    Ok(id.to_string())
}

/// Puts `quantity` belts into the requisitions' warehouse through the office's own
/// catalog, warehouse and goods-received code: approvals and issues are checked
/// against it.
fn stock_the_warehouse(o: &Office, quantity: u32) -> anyhow::Result<()> {
    use onsite_server::office::{audit::By, catalog, stock};
    let db = onsite_tests::pg::open(o.server.data.path())?;
    let conn = db.conn();
    let now = chrono::Utc::now();
    let by = By {
        id: None,
        name: "test",
    };
    let belt = onsite_core::records::catalog::Part {
        id: PartId(fixtures::uuid(500)),
        number: "BELT-8".into(),
        name: "Drive belt".into(),
        unit: "pc".into(),
        price: Money::new(3500, "CNY"),
        serialized: false,
        valuable: false,
        certified: true,
        barcode: String::new(),
    };
    catalog::save(&conn, by, &belt, now)?;
    let warehouse = LocationId(fixtures::uuid(99));
    stock::add_warehouse(
        &conn,
        by,
        &onsite_core::office::NewWarehouse {
            id: warehouse,
            name: "Main".into(),
        },
        now,
    )?;
    stock::receive(
        &conn,
        o.keeper,
        by,
        &onsite_core::office::StockReceipt {
            id: onsite_core::ids::MovementId(uuid::Uuid::now_v7()),
            warehouse,
            part: belt.id,
            quantity,
            serials: vec![],
            note: "DN-1".into(),
        },
        now,
    )?;
    Ok(())
}

/// Writes `ops` to the requisition on `c` as if `who` were a supervisor, attributed to
/// `who` honestly.
fn forge_requisition(
    o: &Office,
    c: &mut Client,
    id: &str,
    who: Actor,
    ops_: &[RequisitionOp],
) -> anyhow::Result<()> {
    let boss = Actor {
        user: who.user,
        role: Role::Supervisor,
    };
    let doc = c.doc(id)?;
    let before: RequisitionDoc = ops::hydrate(doc)?;
    let mut after = before.clone();
    for op in ops_ {
        after.apply(op, &o.ctx(boss))?;
    }
    for e in &mut after.events {
        if e.by == boss {
            e.by = who;
        }
    }
    if let Some(a) = after.approval.as_mut().filter(|a| a.by == boss) {
        a.by = who;
    }
    autosurgeon::reconcile(doc, &after)?;
    doc.commit_with(
        CommitOptions::default()
            .with_message(format!(
                "requisition.issue {} {}",
                who.role.as_str(),
                who.user
            ))
            .with_time(chrono::Utc::now().timestamp()),
    );
    Ok(())
}

#[tokio::test]
async fn a_technician_issuing_or_closing_their_own_requisition_is_held() -> anyhow::Result<()> {
    let o = office().await?;
    let mut a = o.sign_in("li.wei").await?;
    let id = requisition(&o, &mut a, o.tech_a, 1).await?;
    let line = ops::hydrate::<RequisitionDoc>(a.doc(&id)?)?.lines[0].id;
    stock_the_warehouse(&o, 2)?;

    // The storekeeper approves: the allowed path merges.
    let mut keeper = o.sign_in("sun.li").await?;
    keeper.sync().await?;
    let ctx = o.ctx(o.keeper);
    ops::apply(
        keeper.doc(&id)?,
        &RequisitionOp::Approve {
            id: RecordId::new_at(ctx.now),
            quantities: vec![],
            note: String::new(),
        },
        &ctx,
    )?;
    keeper.sync().await?;
    assert!(accepted(&keeper), "{:?}", keeper.last_results);
    a.sync().await?;

    // The technician issues the parts to their own van and closes the requisition:
    // stock out of nowhere.
    let now = chrono::Utc::now();
    forge_requisition(
        &o,
        &mut a,
        &id,
        o.tech_a,
        &[
            RequisitionOp::Issue {
                id: RecordId::new_at(now),
                line,
                quantity: 2,
                serials: vec![],
            },
            RequisitionOp::Close,
        ],
    )?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change"),
        "{:?}",
        a.last_results
    );
    let back = ops::hydrate::<RequisitionDoc>(a.doc(&id)?)?;
    assert_eq!(
        back.status,
        RequisitionStatus::Approved,
        "no stock was invented"
    );
    assert_eq!(back.lines[0].issued, 0);
    keeper.sync().await?;
    let at_office = ops::hydrate::<RequisitionDoc>(keeper.doc(&id)?)?;
    assert_eq!(at_office.status, RequisitionStatus::Approved);
    assert!(
        at_office.stock_movements().iter().all(|m| m.from.is_none()),
        "no issue movement reached the ledger"
    );

    // The storekeeper's issue, the allowed path, merges.
    let ctx = o.ctx(o.keeper);
    ops::apply(
        keeper.doc(&id)?,
        &RequisitionOp::Issue {
            id: RecordId::new_at(ctx.now),
            line,
            quantity: 2,
            serials: vec![],
        },
        &ctx,
    )?;
    keeper.sync().await?;
    assert!(accepted(&keeper), "{:?}", keeper.last_results);
    o.server.stop().await
}

#[tokio::test]
async fn a_dispatcher_approving_a_requisition_is_held() -> anyhow::Result<()> {
    let o = office().await?;
    let mut a = o.sign_in("li.wei").await?;
    let id = requisition(&o, &mut a, o.tech_a, 2).await?;
    let mut desk = o.sign_in("wang.fang").await?;
    desk.sync().await?;
    forge_requisition(
        &o,
        &mut desk,
        &id,
        o.dispatcher,
        &[RequisitionOp::Approve {
            id: RecordId::new_at(chrono::Utc::now()),
            quantities: vec![],
            note: String::new(),
        }],
    )?;
    desk.sync().await?;
    assert_eq!(
        quarantined(&desk).as_deref(),
        Some("dispatcher_may_not_change"),
        "{:?}",
        desk.last_results
    );
    a.sync().await?;
    let at_tech = ops::hydrate::<RequisitionDoc>(a.doc(&id)?)?;
    assert_eq!(at_tech.status, RequisitionStatus::Requested);
    assert!(
        at_tech.approval.is_none(),
        "approvals are the storekeeper's or supervisor's"
    );
    o.server.stop().await
}

#[tokio::test]
async fn a_dispatcher_overriding_a_fee_is_held_and_put_back() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 7).await?;
    o.forge(
        &mut desk,
        &id,
        o.dispatcher,
        OrderOp::OverrideFee {
            id: RecordId::new_at(chrono::Utc::now()),
            fee: Money::new(1, "CNY"),
            reason: "discount".into(),
        },
    )?;
    desk.sync().await?;
    assert_eq!(
        quarantined(&desk).as_deref(),
        Some("dispatcher_may_not_change")
    );
    assert!(
        order(&mut desk, &id)?.fee_overrides.is_empty(),
        "put back on the desk"
    );
    a.sync().await?;
    assert!(order(&mut a, &id)?.fee_overrides.is_empty());
    o.server.stop().await
}

#[tokio::test]
async fn a_storekeeper_reassigning_an_order_is_held_and_put_back() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, _a, id) = dispatched_to_a(&o, 8).await?;
    let mut keeper = o.sign_in("sun.li").await?;
    keeper.sync().await?;
    let b = o.tech_b.user;
    tamper(&mut keeper, &id, o.keeper, "assign", |order| {
        order.assignee = Some(b);
        Ok(())
    })?;
    keeper.sync().await?;
    assert_eq!(
        quarantined(&keeper).as_deref(),
        Some("storekeeper_may_not_change")
    );
    desk.sync().await?;
    assert_eq!(order(&mut desk, &id)?.assignee, Some(o.tech_a.user));

    // The dispatcher reassigning, the allowed path, merges.
    o.run(
        &mut desk,
        &id,
        o.dispatcher,
        OrderOp::Assign { assignee: b },
    )?;
    desk.sync().await?;
    assert!(accepted(&desk), "{:?}", desk.last_results);
    o.server.stop().await
}

#[tokio::test]
async fn booking_part_use_against_another_technicians_van_is_held() -> anyhow::Result<()> {
    let o = office().await?;
    let db = o.db()?;
    let own = onsite_server::reference::ensure_van(
        &db.conn(),
        o.tech_a.user,
        "李伟的车",
        LocationId(fixtures::uuid(201)),
    )?;
    let other = onsite_server::reference::ensure_van(
        &db.conn(),
        o.tech_b.user,
        "陈杰的车",
        LocationId(fixtures::uuid(202)),
    )?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 9).await?;
    o.visit(&mut a, &id, o.tech_a, false)?;
    a.sync().await?;
    let use_part = |location| OrderOp::UsePart {
        id: RecordId::new_at(chrono::Utc::now()),
        part: PartId(fixtures::uuid(500)),
        part_number: "BELT-8".into(),
        certified: true,
        serialized: false,
        quantity: 1,
        serials_new: vec![],
        serials_old: vec![],
        location,
    };
    o.run(&mut a, &id, o.tech_a, use_part(other))?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change")
    );
    desk.sync().await?;
    assert!(
        order(&mut desk, &id)?.parts.is_empty(),
        "nothing drawn on another van"
    );

    o.run(&mut a, &id, o.tech_a, use_part(own))?;
    a.sync().await?;
    assert!(accepted(&a), "their own van: {:?}", a.last_results);
    desk.sync().await?;
    assert_eq!(order(&mut desk, &id)?.parts.len(), 1);
    o.server.stop().await
}

/// A push is judged before its round trip takes the write lock, on the stock locations
/// as they were then. If the office hands the van to someone else meanwhile, the
/// judgement no longer stands: the round trip judges again, and the part drawn on what
/// is now another technician's van is held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_van_handed_over_while_a_push_is_prepared_is_judged_again() -> anyhow::Result<()> {
    let o = office().await?;
    let db = o.db()?;
    let van = onsite_server::reference::ensure_van(
        &db.conn(),
        o.tech_a.user,
        "李伟的车",
        LocationId(fixtures::uuid(203)),
    )?;
    let (_desk, mut a, id) = dispatched_to_a(&o, 10).await?;
    o.visit(&mut a, &id, o.tech_a, false)?;
    a.sync().await?;
    o.run(
        &mut a,
        &id,
        o.tech_a,
        OrderOp::UsePart {
            id: RecordId::new_at(chrono::Utc::now()),
            part: PartId(fixtures::uuid(500)),
            part_number: "BELT-8".into(),
            certified: true,
            serialized: false,
            quantity: 1,
            serials_new: vec![],
            serials_old: vec![],
            location: van,
        },
    )?;

    // The push stops once prepared (and judged: their own van), until the van is handed
    // to the other technician.
    let (prepared, release) = onsite_tests::trust::hold_first_prepared(&o.server.db, &id);
    let pushing = tokio::spawn(async move {
        a.sync().await?;
        anyhow::Ok(a)
    });
    prepared.await?;
    db.conn().execute(
        "UPDATE locations SET holder = ?1 WHERE id = ?2",
        (o.tech_b.user.to_string(), van.to_string()),
    )?;
    release.send(())?;
    let a = pushing.await??;
    o.server.db.set_prepared_probe(None);
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change"),
        "judged on the van's new holder: {:?}",
        a.last_results
    );
    o.server.stop().await
}

#[tokio::test]
async fn taking_over_another_technicians_requisition_is_held() -> anyhow::Result<()> {
    let o = office().await?;
    let mut b = o.sign_in("chen.jie").await?;
    let id = requisition(&o, &mut b, o.tech_b, 3).await?;

    // A gets hold of B's requisition and writes themselves in as the requester.
    let mut a = o.sign_in("li.wei").await?;
    let mut copy = b.doc(&id)?.fork();
    copy.set_actor(automerge::ActorId::random());
    let mut value: RequisitionDoc = ops::hydrate(&copy)?;
    value.requester = o.tech_a.user;
    autosurgeon::reconcile(&mut copy, &value)?;
    copy.commit_with(
        CommitOptions::default()
            .with_message(format!("requisition.add_line technician {}", o.tech_a.user)),
    );
    a.insert(id.clone(), DocKind::Requisition, copy);
    a.sync().await?;
    assert!(
        quarantined(&a).is_some(),
        "the take-over is held: {:?}",
        a.last_results
    );
    assert!(
        !a.last_results.is_empty() && a.docs.len() == 1,
        "nothing of B's requisition comes back to A"
    );
    b.sync().await?;
    assert_eq!(
        ops::hydrate::<RequisitionDoc>(b.doc(&id)?)?.requester,
        o.tech_b.user,
        "it stays B's"
    );
    o.server.stop().await
}

#[tokio::test]
async fn a_reassigned_order_takes_pending_work_once_then_refuses_more() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 10).await?;
    let call = |n: u128| OrderOp::LogContact {
        id: fixtures::rid(300 + n),
        channel: ContactChannel::Phone,
        reached: false,
        note: format!("call {n}"),
    };
    o.run(&mut a, &id, o.tech_a, call(1))?;
    o.run(
        &mut desk,
        &id,
        o.dispatcher,
        OrderOp::Assign {
            assignee: o.tech_b.user,
        },
    )?;
    desk.sync().await?;

    let mut kept = a.doc(&id)?.clone();
    a.sync().await?;
    assert!(
        accepted(&a),
        "the pending call is taken in: {:?}",
        a.last_results
    );
    assert!(!a.docs.contains_key(&id), "and the order leaves the device");

    // A tampered app ignores the removal and keeps writing, pushing every round.
    let synced = kept.get_heads();
    a.insert(id.clone(), DocKind::Order, kept);
    a.docs.get_mut(&id).context("kept")?.synced = synced;
    o.run(&mut a, &id, o.tech_a, call(2))?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("reassigned"),
        "{:?}",
        a.last_results
    );
    desk.sync().await?;
    let calls = order(&mut desk, &id)?.contacts;
    assert_eq!(calls.len(), 1, "only the work from before the reassignment");
    o.server.stop().await
}

#[tokio::test]
async fn changes_with_another_devices_actor_or_anothers_name_are_held() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 11).await?;
    let comment = || OrderOp::Comment {
        id: RecordId::new_at(chrono::Utc::now()),
        text: "note".into(),
    };

    // The desk's actor, used from the technician's device.
    let desk_actor = desk.doc(&id)?.get_actor().clone();
    a.doc(&id)?.set_actor(desk_actor);
    o.run(&mut a, &id, o.tech_a, comment())?;
    a.sync().await?;
    assert_eq!(quarantined(&a).as_deref(), Some("actor_not_yours"));
    desk.sync().await?;
    assert!(
        order(&mut desk, &id)?.comments.is_empty(),
        "held, not merged"
    );

    // The server's own actor.
    let mut c = o.sign_in("li.wei").await?;
    c.sync().await?;
    c.doc(&id)?
        .set_actor(automerge::ActorId::from(b"onsite-server".as_slice()));
    o.run(&mut c, &id, o.tech_a, comment())?;
    // Only the answer matters: the forged change would clash with the server's own
    // changes on the way back.
    let push = c.pending();
    let response = c.send(push).await?;
    assert!(
        matches!(&response.push_results[..], [PushResult::Quarantined { code, .. }] if code == "server_actor"),
        "{:?}",
        response.push_results
    );

    // A message naming the supervisor, on a change that is otherwise the technician's.
    let mut d = o.sign_in("li.wei").await?;
    d.sync().await?;
    let boss = Actor {
        user: o.supervisor.user,
        role: Role::Supervisor,
    };
    let doc = d.doc(&id)?;
    let before: OrderDoc = ops::hydrate(doc)?;
    let mut after = before.clone();
    after.schedule = Some(onsite_core::doc::TimeWindow {
        start: chrono::Utc::now(),
        end: chrono::Utc::now() + chrono::Duration::hours(2),
    });
    OrderDoc::reconcile_changes(doc, &before, &after)?;
    doc.commit_with(
        CommitOptions::default().with_message(format!("order.schedule supervisor {}", boss.user)),
    );
    d.sync().await?;
    assert_eq!(quarantined(&d).as_deref(), Some("forged_author"));
    let reason = d.last_results.iter().find_map(|r| match r {
        PushResult::Quarantined { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert!(
        reason
            .as_deref()
            .is_some_and(|r| r.starts_with("the change is not attested")),
        "a forged author is told as such, not as a field it may not change: {reason:?}"
    );
    desk.sync().await?;
    assert!(order(&mut desk, &id)?.schedule.is_none());
    o.server.stop().await
}

#[tokio::test]
async fn a_supervisor_reviews_releases_and_discards_held_changes() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 12).await?;
    o.forge(
        &mut a,
        &id,
        o.tech_a,
        OrderOp::Cancel {
            reason: "customer moved away".into(),
        },
    )?;
    a.sync().await?;
    assert_eq!(
        quarantined(&a).as_deref(),
        Some("technician_may_not_change")
    );
    let boss = o.sign_in("zhao.min").await?;
    let http = reqwest::Client::new();
    let list: Vec<onsite_core::protocol::HeldChange> = http
        .get(o.server.url("/v1/quarantine"))
        .bearer_auth(&boss.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(list.len(), 1, "{list:?}");
    let held = &list[0];
    assert_eq!(
        (held.user_name.as_str(), held.device_name.as_str()),
        ("李伟", "li.wei"),
        "who and on which device"
    );
    assert!(held.reason.contains("cancel"), "{}", held.reason);
    assert!(
        held.changes.iter().any(|c| c.field == "state"),
        "what it would have done: {:?}",
        held.changes
    );
    // Not for technicians.
    let refused = http
        .get(o.server.url("/v1/quarantine"))
        .bearer_auth(&a.token)
        .send()
        .await?;
    assert_eq!(refused.status(), 403);

    // The device is told while it waits, and the notice clears once it is decided.
    let waiting = a.send(vec![]).await?;
    assert_eq!(
        waiting
            .held
            .iter()
            .map(|h| h.id.as_str())
            .collect::<Vec<_>>(),
        [held.id.as_str()],
        "every sync carries the device's held change"
    );
    let released: onsite_core::protocol::HeldChange = http
        .post(o.server.url(&format!("/v1/quarantine/{}/release", held.id)))
        .bearer_auth(&boss.token)
        .json(&serde_json::json!({"note": "the customer did cancel by phone"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(released.status, "released");
    assert!(
        a.send(vec![]).await?.held.is_empty(),
        "decided: the notice is gone"
    );
    desk.sync().await?;
    let at_office = order(&mut desk, &id)?;
    assert_eq!(
        at_office.state,
        OrderState::Cancelled,
        "released: merged as the supervisor's decision"
    );
    assert!(
        at_office.flags.iter().all(|f| f.kind
            != onsite_core::records::order::FlagKind::Quarantined
            || f.resolution
                .as_ref()
                .is_some_and(|r| r.by == o.supervisor.user)),
        "the decision is recorded on the order: {:?}",
        at_office.flags
    );
    let again = http
        .post(o.server.url(&format!("/v1/quarantine/{}/discard", held.id)))
        .bearer_auth(&boss.token)
        .json(&serde_json::json!({}))
        .send()
        .await?;
    assert_eq!(again.status(), 409, "decided once");
    o.server.stop().await
}

#[tokio::test]
async fn a_kind_mismatch_does_not_reveal_a_document_the_user_may_not_see() -> anyhow::Result<()> {
    let o = office().await?;
    let mut desk = o.sign_in("wang.fang").await?;
    let mut b = o.sign_in("chen.jie").await?;
    let id = o.dispatched(&mut desk, &mut b, 13, o.tech_b).await?;

    // A pushes a requisition under the id of B's order, and one under a fresh id that
    // names no document: both answers must be the same.
    let mut a = o.sign_in("li.wei").await?;
    let probe = |seed| -> anyhow::Result<AutoCommit> {
        let mut doc = AutoCommit::new();
        let ctx = o.ctx(o.tech_a);
        let req = RequisitionDoc::new(
            RequisitionId(fixtures::uuid(seed)),
            "RQ".into(),
            o.tech_a.user,
            LocationId(fixtures::uuid(1)),
            LocationId(fixtures::uuid(2)),
            None,
            &ctx,
        )?;
        ops::create(&mut doc, &req, &ctx)?;
        Ok(doc)
    };
    a.insert(id.clone(), DocKind::Requisition, probe(1)?);
    a.sync().await?;
    let mismatch = a.last_results.clone();
    let (code, reason) = match &mismatch[..] {
        [PushResult::Quarantined { code, reason, .. }] => (code.clone(), reason.clone()),
        other => anyhow::bail!("held without a hint of what exists: {other:?}"),
    };
    assert_ne!(code, "kind_mismatch");
    assert!(!reason.contains("order"), "{reason}");

    // An order pushed under an id that does not exist gets exactly that answer.
    let mut a2 = o.sign_in("li.wei").await?;
    let new = fixtures::new_order(14, ServiceMode::OnSite, None);
    let fresh = new.id.to_string();
    let ctx = o.ctx(o.dispatcher);
    let mut doc = AutoCommit::new();
    ops::create(&mut doc, &OrderDoc::new(new, &ctx)?, &ctx)?;
    a2.insert(fresh, DocKind::Order, doc);
    a2.sync().await?;
    assert!(
        matches!(&a2.last_results[..], [PushResult::Quarantined { code: c, reason: r, .. }] if *c == code && *r == reason),
        "{:?} vs {mismatch:?}",
        a2.last_results
    );
    o.server.stop().await
}

#[tokio::test]
async fn a_revoked_device_cannot_sign_in_again_until_a_supervisor_reinstates_it(
) -> anyhow::Result<()> {
    let o = office().await?;
    let http = reqwest::Client::new();
    let device = uuid::Uuid::now_v7().to_string();
    let login = || {
        http.post(o.server.url("/v1/auth/login"))
            .json(&serde_json::json!({"login": "li.wei", "password": PASSWORD,
                "device_id": device, "device_name": "Li's phone"}))
            .send()
    };
    let first: serde_json::Value = login().await?.error_for_status()?.json().await?;
    let token = first["token"].as_str().context("token")?.to_string();
    let revoked = http
        .post(o.server.url(&format!("/v1/devices/{device}/revoke")))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(revoked.status(), 204);

    let again = login().await?;
    assert_eq!(again.status(), 403, "the lost phone stays revoked");
    let body: serde_json::Value = again.json().await?;
    assert_eq!(body["code"], "errors.device.revoked");

    let boss = o.sign_in("zhao.min").await?;
    let tech = http
        .post(o.server.url(&format!("/v1/devices/{device}/reinstate")))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(
        tech.status(),
        401,
        "the revoked token itself can do nothing"
    );
    let reinstated = http
        .post(o.server.url(&format!("/v1/devices/{device}/reinstate")))
        .bearer_auth(&boss.token)
        .send()
        .await?;
    assert_eq!(reinstated.status(), 204);
    assert!(
        login().await?.status().is_success(),
        "reinstated, it signs in"
    );
    o.server.stop().await
}

#[tokio::test]
async fn the_audit_trail_learns_each_actors_device_and_attested_user() -> anyhow::Result<()> {
    let o = office().await?;
    let (mut desk, mut a, id) = dispatched_to_a(&o, 15).await?;
    o.run(
        &mut a,
        &id,
        o.tech_a,
        OrderOp::Comment {
            id: RecordId::new_at(chrono::Utc::now()),
            text: "on my way".into(),
        },
    )?;
    a.sync().await?;
    desk.sync().await?;
    let actor = a.doc(&id)?.get_actor().to_hex_string();
    let entries: Vec<onsite_core::protocol::ActorEntry> = reqwest::Client::new()
        .get(o.server.url("/v1/actors"))
        .bearer_auth(&desk.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let entry = entries
        .iter()
        .find(|e| e.actor == actor)
        .context("the technician's actor is bound")?;
    assert_eq!(
        (
            entry.user_name.as_str(),
            entry.device_name.as_str(),
            entry.role
        ),
        ("李伟", "li.wei", Role::Technician)
    );

    // A device whose copy is current pays a bodiless 304, until another actor is bound.
    let http = reqwest::Client::new();
    let first = http
        .get(o.server.url("/v1/actors"))
        .bearer_auth(&desk.token)
        .send()
        .await?
        .error_for_status()?;
    let etag = first
        .headers()
        .get(reqwest::header::ETAG)
        .context("the directory has an ETag")?
        .to_str()?
        .to_string();
    let again = http
        .get(o.server.url("/v1/actors"))
        .bearer_auth(&desk.token)
        .header(reqwest::header::IF_NONE_MATCH, &etag)
        .send()
        .await?;
    assert_eq!(again.status(), reqwest::StatusCode::NOT_MODIFIED);
    assert!(
        again.bytes().await?.is_empty(),
        "no body for a current copy"
    );
    // The same agent on a second desk: a new device with its own actor.
    let mut desk2 = o.sign_in("wang.fang").await?;
    desk2.sync().await?;
    o.run(
        &mut desk2,
        &id,
        o.dispatcher,
        OrderOp::Comment {
            id: RecordId::new_at(chrono::Utc::now()),
            text: "第二台电脑上看看".into(),
        },
    )?;
    desk2.sync().await?;
    let changed = http
        .get(o.server.url("/v1/actors"))
        .bearer_auth(&desk.token)
        .header(reqwest::header::IF_NONE_MATCH, &etag)
        .send()
        .await?
        .error_for_status()?;
    assert_eq!(
        changed.status(),
        reqwest::StatusCode::OK,
        "a new binding changes the ETag"
    );
    o.server.stop().await
}
