//! The supervisor's review of held changes through the command layer, against a real
//! `onsite-server` on loopback: a technician's device that was tampered with to claim the
//! supervisor's role cancels orders; the server holds the changes; the desk lists them
//! with the device, the attested user, the reason and what they would have done; a
//! supervisor releases one and discards another; the technician's notice clears on its
//! next sync. Other roles are refused by the server, and offline is said as such.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use onsite_commands::held::{self, FieldChangeView, HeldStatus};
use onsite_commands::{intake, order, session, App, CommandError};
use onsite_core::doc::order::OrderOp;
use onsite_core::intake::{Intake, IntakeCustomer, IntakeProduct};
use onsite_core::lifecycle::OrderState;
use onsite_core::records::request::{Channel, Classification, Priority, ServiceMode};
use onsite_core::role::Role;
use onsite_device::sync_client;
use onsite_device::Store;
use onsite_tests::devices::PASSWORD;
use onsite_tests::TestServer;

fn fail(err: CommandError) -> anyhow::Error {
    anyhow::anyhow!("{}: {} {:?}", err.code, err.message, err.details)
}

async fn app(
    server: &TestServer,
    dir: &std::path::Path,
    login: &str,
    role: Role,
) -> anyhow::Result<App> {
    server.add_user(login, login, role, PASSWORD)?;
    let store = Store::open(&dir.join(format!("{login}.db")))?;
    let clock: Arc<Mutex<DateTime<Utc>>> = Arc::new(Mutex::new(Utc::now()));
    let app = App::new(store).with_clock(Arc::new(move || {
        *clock.lock().unwrap_or_else(|p| p.into_inner())
    }));
    session::sign_in(&app, &server.url(""), login, PASSWORD)
        .await
        .map_err(fail)?;
    Ok(app)
}

fn intake(serial: &str) -> Intake {
    Intake {
        channel: Channel::Phone,
        classification: Classification::Repair,
        customer: IntakeCustomer {
            name: "王强".into(),
            phone: "13900139000".into(),
            address: "上海市浦东新区世纪大道100号".into(),
            key_account: false,
        },
        product: IntakeProduct {
            model: "AC-300".into(),
            serial: serial.into(),
            purchase_date: None,
            delivered_on: None,
        },
        fault_code: "E5".into(),
        description: "不制冷".into(),
        fault_since: None,
        external_damage: String::new(),
        mode: ServiceMode::OnSite,
        priority: Priority::Normal,
    }
}

/// Claims `role` in the device's own copy of the signed-in account: what a modified app
/// could do. The server still knows who the device is.
fn claim_role(app: &App, role: Role) -> anyhow::Result<()> {
    app.with_store(|s| {
        let mut account = sync_client::account(s)?.ok_or_else(CommandError::not_signed_in)?;
        account.role = role;
        let json = serde_json::to_string(&account)
            .map_err(|e| CommandError::new("errors.internal", e.to_string()))?;
        Ok(s.set_meta("account", &json)?)
    })
    .map_err(fail)
}

#[tokio::test]
async fn a_supervisor_reviews_held_changes_on_the_desk_and_the_technicians_notice_clears(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let desk = app(&server, dir.path(), "boss", Role::Supervisor).await?;
    let tech = app(&server, dir.path(), "li", Role::Technician).await?;
    let dispatcher = app(&server, dir.path(), "wang", Role::Dispatcher).await?;
    let tech_user = tech.with_store(|s| tech.actor(s)).map_err(fail)?.user;

    let mut ids = vec![];
    for serial in ["AC-HELD-1", "AC-HELD-2"] {
        let created = intake::create_order(&desk, intake(serial), None).map_err(fail)?;
        let id = created.order.id.to_string();
        order::order_op(
            &desk,
            &id,
            OrderOp::Dispatch {
                assignee: tech_user,
                window: None,
            },
        )
        .map_err(fail)?;
        ids.push(id);
    }
    session::sync_now(&desk).await.map_err(fail)?;
    session::sync_now(&tech).await.map_err(fail)?;

    // The tampered device cancels both orders: its own rule check now lets it.
    claim_role(&tech, Role::Supervisor)?;
    for id in &ids {
        order::order_op(
            &tech,
            id,
            OrderOp::Cancel {
                reason: "客户不修了".into(),
            },
        )
        .map_err(fail)?;
    }
    session::sync_now(&tech).await.map_err(fail)?;
    for id in &ids {
        let page = order::get_order(&tech, id).map_err(fail)?;
        let notice = page
            .quarantined
            .ok_or_else(|| anyhow::anyhow!("the technician is told the change is held"))?;
        assert_eq!(notice.reason.code, "held.reason.role_may_not_change");
        assert_eq!(
            notice.reason.role,
            Some(Role::Technician),
            "the server knows who it is"
        );
    }

    // Only a supervisor may look, whatever a device claims.
    for (who, app) in [
        ("a dispatcher", &dispatcher),
        ("the tampered device", &tech),
    ] {
        let err = held::list_held_changes(app, false)
            .await
            .err()
            .ok_or_else(|| anyhow::anyhow!("{who} may not review held changes"))?;
        assert_eq!(err.code, "errors.auth.forbidden", "{who}");
    }

    let list = held::list_held_changes(&desk, false).await.map_err(fail)?;
    assert_eq!(list.len(), 2, "both cancellations are held: {list:?}");
    let tech_device = tech.with_store(|s| Ok(s.device_id()?)).map_err(fail)?;
    for h in &list {
        assert_eq!(h.user_name, "li", "the attested user");
        assert_eq!(h.device_id, tech_device);
        assert!(!h.device_name.is_empty(), "the enrolled device's name");
        assert_eq!(h.status, HeldStatus::Open);
        assert_eq!(h.reason.role, Some(Role::Technician));
        assert!(h.order_number.is_some(), "the desk holds the order");
        assert!(
            h.findings
                .iter()
                .any(|f| f.code == "held.finding.forged_author"),
            "the claimed role is a forged author: {:?}",
            h.findings
        );
        let state = h
            .changes
            .iter()
            .find_map(|c| match c {
                FieldChangeView::Value { field, after, .. } if field == "state" => Some(after),
                _ => None,
            })
            .ok_or_else(|| anyhow::anyhow!("the change would move the state: {:?}", h.changes))?;
        assert_eq!(state[0].value.as_deref(), Some("cancelled"));
    }
    let by_doc = |id: &str| {
        list.iter()
            .find(|h| h.doc_id == id)
            .map(|h| h.id.clone())
            .ok_or_else(|| anyhow::anyhow!("held change for {id}"))
    };
    let released = held::release_held_change(&desk, &by_doc(&ids[0])?, "客户确认取消")
        .await
        .map_err(fail)?;
    assert_eq!(released.status, HeldStatus::Released);
    assert_eq!(released.decided_by_name.as_deref(), Some("boss"));
    let discarded = held::discard_held_change(&desk, &by_doc(&ids[1])?, "客户还要修")
        .await
        .map_err(fail)?;
    assert_eq!(discarded.status, HeldStatus::Discarded);
    let again = held::discard_held_change(&desk, &discarded.id, "")
        .await
        .err()
        .ok_or_else(|| anyhow::anyhow!("a decided change is not decided twice"))?;
    assert_eq!(again.code, "errors.quarantine.decided");
    assert!(held::list_held_changes(&desk, false)
        .await
        .map_err(fail)?
        .is_empty());
    assert_eq!(
        held::list_held_changes(&desk, true)
            .await
            .map_err(fail)?
            .len(),
        2
    );

    // The desk synced after deciding: the outcome is on its orders.
    let first = order::get_order(&desk, &ids[0]).map_err(fail)?;
    assert_eq!(first.order.state, OrderState::Cancelled, "released: merged");
    let second = order::get_order(&desk, &ids[1]).map_err(fail)?;
    assert_eq!(
        second.order.state,
        OrderState::Dispatched,
        "discarded: kept"
    );

    session::sync_now(&tech).await.map_err(fail)?;
    for id in &ids {
        let page = order::get_order(&tech, id).map_err(fail)?;
        assert!(
            page.quarantined.is_none(),
            "decided: the technician's notice for {id} is gone"
        );
    }

    // Offline, the review says so.
    server.stop().await?;
    let err = held::list_held_changes(&desk, false)
        .await
        .err()
        .ok_or_else(|| anyhow::anyhow!("no server, no list"))?;
    assert_eq!(err.code, "errors.sync.offline");
    Ok(())
}
