//! The sync protocol against a real server on loopback: scope, convergence, retries,
//! quarantine and reassignment. Devices are bare protocol clients holding core documents.

use automerge::transaction::Transactable as _;
use automerge::AutoCommit;
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::fixtures;
use onsite_core::records::order::ContactChannel;
use onsite_core::records::request::ServiceMode;
use onsite_core::role::{Actor, Role};
use onsite_core::{ops, Calendar, Ctx, Settings, UserId};
use onsite_server::sync::protocol::{DocKind, PushResult};
use onsite_tests::protocol_client::Client;
use onsite_tests::TestServer;

struct Office {
    server: TestServer,
    settings: Settings,
    calendar: Calendar,
    dispatcher: Actor,
    tech_a: Actor,
    tech_b: Actor,
}

const PASSWORD: &str = "correct horse";

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

    /// A new order created by the dispatcher and dispatched to `tech`, on `client`.
    fn dispatch_new(&self, client: &mut Client, seed: u128, tech: Actor) -> anyhow::Result<String> {
        let new = fixtures::new_order(seed, ServiceMode::OnSite, None);
        let id = new.id.to_string();
        let ctx = self.ctx(self.dispatcher);
        let order = OrderDoc::new(new, &ctx)?;
        let mut doc = AutoCommit::new();
        ops::create(&mut doc, &order, &ctx)?;
        ops::apply(
            &mut doc,
            &OrderOp::Dispatch {
                assignee: tech.user,
                window: None,
            },
            &ctx,
        )?;
        client.insert(id.clone(), DocKind::Order, doc);
        Ok(id)
    }
}

fn order(client: &mut Client, id: &str) -> anyhow::Result<OrderDoc> {
    Ok(ops::hydrate::<OrderDoc>(client.doc(id)?)?)
}

#[tokio::test]
async fn a_dispatched_order_reaches_only_its_technician() -> anyhow::Result<()> {
    let office = office().await?;
    let mut desk = office.sign_in("wang.fang").await?;
    let mut a = office.sign_in("li.wei").await?;
    let mut b = office.sign_in("chen.jie").await?;
    let id = office.dispatch_new(&mut desk, 1, office.tech_a)?;
    desk.sync().await?;
    assert!(
        matches!(&desk.last_results[..], [PushResult::Accepted { .. }]),
        "{:?}",
        desk.last_results
    );

    a.sync().await?;
    b.sync().await?;
    assert_eq!(order(&mut a, &id)?.assignee, Some(office.tech_a.user));
    assert!(
        b.docs.is_empty(),
        "another technician's customers never reach this device"
    );
    office.server.stop().await
}

#[tokio::test]
async fn offline_edits_on_both_sides_converge_and_nothing_is_duplicated() -> anyhow::Result<()> {
    let office = office().await?;
    let mut desk = office.sign_in("wang.fang").await?;
    let mut a = office.sign_in("li.wei").await?;
    let id = office.dispatch_new(&mut desk, 2, office.tech_a)?;
    desk.sync().await?;
    a.sync().await?;

    // Both edit while apart: the technician logs a call, the office agrees a window.
    let call = OrderOp::LogContact {
        id: fixtures::rid(100),
        channel: ContactChannel::Phone,
        reached: true,
        note: "客户下午在家".into(),
    };
    ops::apply(a.doc(&id)?, &call, &office.ctx(office.tech_a))?;
    let start = chrono::Utc::now() + chrono::Duration::hours(4);
    let window = onsite_core::doc::TimeWindow {
        start,
        end: start + chrono::Duration::hours(2),
    };
    ops::apply(
        desk.doc(&id)?,
        &OrderOp::Schedule { window },
        &office.ctx(office.dispatcher),
    )?;

    // The technician's first attempt is answered but the answer is lost; it retries.
    let push = a.pending();
    let _lost = a.send(push).await?;
    a.sync().await?;
    desk.sync().await?;
    a.sync().await?;

    let (from_a, from_desk) = (order(&mut a, &id)?, order(&mut desk, &id)?);
    assert_eq!(from_a, from_desk, "both copies hold the same order");
    assert_eq!(
        from_a.contacts.len(),
        1,
        "the retried call is recorded once"
    );
    assert!(
        from_a.schedule.is_some(),
        "the office's window reached the technician"
    );
    assert_eq!(a.doc(&id)?.get_heads(), desk.doc(&id)?.get_heads());
    office.server.stop().await
}

#[tokio::test]
async fn a_sync_with_nothing_new_is_one_small_request() -> anyhow::Result<()> {
    let office = office().await?;
    let mut desk = office.sign_in("wang.fang").await?;
    for seed in 0..20 {
        office.dispatch_new(&mut desk, 10 + seed, office.tech_a)?;
    }
    desk.sync().await?;
    let mut a = office.sign_in("li.wei").await?;
    a.sync().await?;
    assert_eq!(a.docs.len(), 20);

    let push = a.pending();
    let response = a.send(push).await?;
    assert!(
        response.docs.is_empty() && !response.more,
        "nothing new to send"
    );
    let (up, down) = a.last_bytes;
    assert!(
        up < 1024 && down < 1024,
        "a no-op sync is small: {up} B up, {down} B down"
    );
    office.server.stop().await
}

#[tokio::test]
async fn a_technician_reassigning_an_order_is_quarantined_and_put_back() -> anyhow::Result<()> {
    let office = office().await?;
    let mut desk = office.sign_in("wang.fang").await?;
    let mut a = office.sign_in("li.wei").await?;
    let id = office.dispatch_new(&mut desk, 3, office.tech_a)?;
    desk.sync().await?;
    a.sync().await?;

    // The technician's app would refuse this; a tampered one need not.
    let mut tampered = order(&mut a, &id)?;
    tampered.assignee = Some(office.tech_b.user);
    autosurgeon::reconcile(a.doc(&id)?, &tampered)?;
    a.doc(&id)?.commit();
    a.sync().await?;

    let result = a.last_results.first().cloned();
    assert!(
        matches!(&result, Some(PushResult::Quarantined { code, .. }) if code == "technician_may_not_change"),
        "the device is told: {result:?}"
    );
    assert_eq!(
        order(&mut a, &id)?.assignee,
        Some(office.tech_a.user),
        "the device copy is put back"
    );
    desk.sync().await?;
    assert_eq!(
        order(&mut desk, &id)?.assignee,
        Some(office.tech_a.user),
        "the office copy never changed hands"
    );

    let db = onsite_tests::pg::open(office.server.data.path())?;
    let kept: (String, String) = db.conn().query_row(
        "SELECT user_id, device_id FROM quarantine WHERE doc_id = ?1",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!(
        kept,
        (office.tech_a.user.to_string(), a.device_id.clone()),
        "quarantine keeps who and which device"
    );
    office.server.stop().await
}

#[tokio::test]
async fn writing_to_another_technicians_order_is_refused_and_leaks_nothing() -> anyhow::Result<()> {
    let office = office().await?;
    let mut desk = office.sign_in("wang.fang").await?;
    let id = office.dispatch_new(&mut desk, 4, office.tech_a)?;
    desk.sync().await?;

    // Technician B somehow has a copy of A's order and edits it.
    let mut b = office.sign_in("chen.jie").await?;
    let mut doc = desk.doc(&id)?.fork();
    doc.set_actor(automerge::ActorId::random());
    doc.put(automerge::ROOT, "fault_code", "tampered")?;
    doc.commit();
    b.insert(id.clone(), DocKind::Order, doc);
    let push = b.pending();
    let response = b.send(push).await?;
    assert!(
        matches!(&response.push_results[..], [PushResult::Quarantined { code, .. }] if code == "not_assigned"),
        "{:?}",
        response.push_results
    );
    assert!(
        response.docs.is_empty(),
        "nothing of the order is sent back to B"
    );

    desk.sync().await?;
    assert_ne!(
        order(&mut desk, &id)?.fault_code,
        "tampered",
        "the office copy is untouched"
    );
    office.server.stop().await
}

#[tokio::test]
async fn a_reassigned_order_leaves_the_old_device_after_its_work_is_in() -> anyhow::Result<()> {
    let office = office().await?;
    let mut desk = office.sign_in("wang.fang").await?;
    let mut a = office.sign_in("li.wei").await?;
    let mut b = office.sign_in("chen.jie").await?;
    let id = office.dispatch_new(&mut desk, 5, office.tech_a)?;
    desk.sync().await?;
    a.sync().await?;

    // A logs a call offline while the office reassigns the order to B.
    let call = OrderOp::LogContact {
        id: fixtures::rid(200),
        channel: ContactChannel::Phone,
        reached: true,
        note: "约好明天".into(),
    };
    ops::apply(a.doc(&id)?, &call, &office.ctx(office.tech_a))?;
    ops::apply(
        desk.doc(&id)?,
        &OrderOp::Assign {
            assignee: office.tech_b.user,
        },
        &office.ctx(office.dispatcher),
    )?;
    desk.sync().await?;

    a.sync().await?;
    assert!(
        matches!(&a.last_results[..], [PushResult::Accepted { .. }]),
        "A's call is taken in: {:?}",
        a.last_results
    );
    assert!(!a.docs.contains_key(&id), "the order left A's device");
    assert_eq!(
        a.removed.first().map(|r| r.reason.as_str()),
        Some("reassigned"),
        "and A knows why"
    );

    b.sync().await?;
    let at_b = order(&mut b, &id)?;
    assert_eq!(at_b.assignee, Some(office.tech_b.user));
    assert_eq!(
        at_b.contacts.len(),
        1,
        "B sees the call A made before the reassignment"
    );
    office.server.stop().await
}

#[tokio::test]
async fn garbage_in_a_push_is_rejected_per_document_not_a_500() -> anyhow::Result<()> {
    let office = office().await?;
    let mut desk = office.sign_in("wang.fang").await?;
    let push = vec![
        onsite_server::sync::protocol::PushDoc {
            doc_id: uuid::Uuid::now_v7().to_string(),
            kind: DocKind::Order,
            data: "not base64!".into(),
            heads: vec![],
        },
        onsite_server::sync::protocol::PushDoc {
            doc_id: uuid::Uuid::now_v7().to_string(),
            kind: DocKind::Order,
            data: "AAECAwQ=".into(),
            heads: vec![],
        },
    ];
    let response = desk.send(push).await?;
    let codes: Vec<_> = response
        .push_results
        .iter()
        .map(|r| match r {
            PushResult::Rejected { code, .. } => code.as_str(),
            _ => "accepted?",
        })
        .collect();
    assert_eq!(codes, ["bad_base64", "unreadable_changes"]);
    office.server.stop().await
}

#[tokio::test]
async fn a_waiting_technician_hears_of_a_new_dispatch_at_once() -> anyhow::Result<()> {
    let office = office().await?;
    let mut desk = office.sign_in("wang.fang").await?;
    let mut a = office.sign_in("li.wei").await?;
    let mut b = office.sign_in("chen.jie").await?;
    a.sync().await?;
    b.sync().await?;

    let wait = |client: &Client, timeout_s: u64| {
        let url = format!(
            "{}/v1/sync/wait?cursor={}&timeout_s={timeout_s}",
            client.base,
            client.cursor.unwrap_or(0)
        );
        let token = client.token.clone();
        tokio::spawn(async move {
            let body: serde_json::Value = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            anyhow::Ok(body["changed"].as_bool())
        })
    };
    let a_waits = wait(&a, 60);
    let b_waits = wait(&b, 2);

    office.dispatch_new(&mut desk, 6, office.tech_a)?;
    desk.sync().await?;

    assert_eq!(a_waits.await??, Some(true), "A is woken by the dispatch");
    assert_eq!(b_waits.await??, Some(false), "B is not woken by A's order");
    a.sync().await?;
    assert_eq!(a.docs.len(), 1);
    office.server.stop().await
}

#[tokio::test]
async fn a_malformed_sync_request_gets_a_json_4xx() -> anyhow::Result<()> {
    let office = office().await?;
    let desk = office.sign_in("wang.fang").await?;
    let http = reqwest::Client::new();
    for (body, status) in [
        (r#"{"cursor": "#, 400),
        (r#"{"cursor": -1, "push": []}"#, 422),
        (r#"{"cursor": 1, "push": [{"doc_id": "x"}]}"#, 422),
    ] {
        let response = http
            .post(office.server.url("/v1/sync"))
            .bearer_auth(&desk.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        assert_eq!(response.status(), status, "for {body}");
        let error: serde_json::Value = response.json().await?;
        assert_eq!(error["code"], "errors.request.bad_json");
    }
    office.server.stop().await
}
