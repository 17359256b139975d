//! The audit trail on the order page names the enrolled device and the user the server
//! attests, from the device's copy of the server's actor directory: refreshed when it
//! syncs, used offline, and "not known" for an actor the copy does not have.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use onsite_commands::order::{ChangeSource, ChangeView};
use onsite_commands::{intake, order, session, App, CommandError};
use onsite_core::doc::order::OrderOp;
use onsite_core::ids::RecordId;
use onsite_core::intake::{Intake, IntakeCustomer, IntakeProduct};
use onsite_core::records::request::{Channel, Classification, Priority, ServiceMode};
use onsite_core::role::Role;
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
    name: &str,
    role: Role,
) -> anyhow::Result<App> {
    server.add_user(login, name, role, PASSWORD)?;
    let store = Store::open(&dir.join(format!("{login}.db")))?;
    let now = Arc::new(Mutex::new(Utc::now()));
    let app = App::new(store).with_clock(Arc::new(move || {
        *now.lock().unwrap_or_else(|p| p.into_inner())
    }));
    session::sign_in(&app, &server.url(""), login, PASSWORD)
        .await
        .map_err(fail)?;
    Ok(app)
}

fn intake() -> Intake {
    Intake {
        channel: Channel::Phone,
        classification: Classification::Repair,
        customer: IntakeCustomer {
            name: "赵磊".into(),
            phone: "13700137000".into(),
            address: "广州市天河区体育西路1号".into(),
            key_account: false,
        },
        product: IntakeProduct {
            model: "TV-55".into(),
            serial: "TV55-AUDIT".into(),
            purchase_date: None,
            delivered_on: None,
        },
        fault_code: "NP".into(),
        description: "无图像".into(),
        fault_since: None,
        external_damage: String::new(),
        mode: ServiceMode::OnSite,
        priority: Priority::Normal,
    }
}

fn by_op<'a>(changes: &'a [ChangeView], op: &str) -> anyhow::Result<&'a ChangeView> {
    changes
        .iter()
        .rev()
        .find(|c| c.op == op)
        .ok_or_else(|| anyhow::anyhow!("a {op} change in {changes:?}"))
}

#[tokio::test]
async fn the_history_names_the_enrolled_device_and_the_attested_user_also_offline(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let desk = app(&server, dir.path(), "boss", "刘洋", Role::Supervisor).await?;
    let tech = app(&server, dir.path(), "li", "李伟", Role::Technician).await?;
    let tech_user = tech.with_store(|s| tech.actor(s)).map_err(fail)?.user;
    let id = intake::create_order(&desk, intake(), None)
        .map_err(fail)?
        .order
        .id
        .to_string();
    order::order_op(
        &desk,
        &id,
        OrderOp::Dispatch {
            assignee: tech_user,
            window: None,
        },
    )
    .map_err(fail)?;
    session::sync_now(&desk).await.map_err(fail)?;
    session::sync_now(&tech).await.map_err(fail)?;
    order::order_op(
        &tech,
        &id,
        OrderOp::Comment {
            id: RecordId::new_at(Utc::now()),
            text: "路上堵车，晚十分钟".into(),
        },
    )
    .map_err(fail)?;
    session::sync_now(&tech).await.map_err(fail)?;
    session::sync_now(&desk).await.map_err(fail)?;

    let page = order::get_order(&desk, &id).map_err(fail)?;
    let comment = by_op(&page.changes, "comment")?;
    let ChangeSource::Device {
        device_name,
        user_name,
        role,
        ..
    } = &comment.source
    else {
        anyhow::bail!("the technician's change is attested: {:?}", comment.source);
    };
    assert_eq!(user_name, "李伟");
    assert_eq!(*role, Role::Technician);
    assert_eq!(
        device_name,
        &format!("Onsite on {}", std::env::consts::OS),
        "the name it enrolled with"
    );
    let dispatch = by_op(&page.changes, "dispatch")?;
    assert!(
        matches!(&dispatch.source, ChangeSource::Device { user_name, .. } if user_name == "刘洋"),
        "the desk's own change names its user: {:?}",
        dispatch.source
    );

    // Offline, the last copy still names them.
    server.stop().await?;
    session::sync_now(&desk).await.map_err(fail)?;
    let offline = order::get_order(&desk, &id).map_err(fail)?;
    assert!(
        !session::sync_status(&desk).map_err(fail)?.online,
        "the server is gone"
    );
    assert_eq!(by_op(&offline.changes, "comment")?.source, comment.source);

    // An actor the copy does not know says so, with its short id.
    desk.with_store(|s| Ok(s.set_meta("actors", "[]")?))
        .map_err(fail)?;
    let unknown = order::get_order(&desk, &id).map_err(fail)?;
    let c = by_op(&unknown.changes, "comment")?;
    assert_eq!(c.source, ChangeSource::Unknown);
    assert_eq!(c.device.len(), 8, "a short id to tell devices apart");
    Ok(())
}
