//! The requisition commands against a real `onsite-server` on loopback: the technician's
//! phone asks for parts and follows the request (waiting to be sent, then approved and
//! issued by the office's own commands), sees the issue behind the van's figure, and hands
//! an unused unit back; the desk's queue answers what each role may do.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use onsite_commands::office::{self, StockAction};
use onsite_commands::requisitions::{self, AskParts, HandBackArgs};
use onsite_commands::{session, App, CommandError};
use onsite_core::doc::requisition::{HandBackKind, RequisitionStatus};
use onsite_core::ids::{LocationId, MovementId, RecordId, UserId};
use onsite_core::office::StockReceipt;
use onsite_core::parts_flow::RequisitionAction;
use onsite_core::role::Role;
use onsite_core::stock::MovementKind;
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
) -> anyhow::Result<(App, UserId)> {
    let account = server.add_user(login, login, role, PASSWORD)?;
    let store = Store::open(&dir.join(format!("{login}.db")))?;
    let now = Arc::new(Mutex::new(Utc::now()));
    let app = App::new(store).with_clock(Arc::new(move || {
        *now.lock().unwrap_or_else(|p| p.into_inner())
    }));
    session::sign_in(&app, &server.url(""), login, PASSWORD)
        .await
        .map_err(fail)?;
    Ok((app, UserId(account.id.parse()?)))
}

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tokio::test]
async fn a_technician_asks_for_parts_follows_them_into_the_van_and_hands_one_back(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let (keeper, _) = app(&server, dir.path(), "sun.li", Role::Storekeeper).await?;
    let (boss, _) = app(&server, dir.path(), "liu.yang", Role::Supervisor).await?;
    let (tech, tech_id) = app(&server, dir.path(), "li.wei", Role::Technician).await?;

    office::import_catalog(&keeper, "编号,名称,单位,单价\nBR-23,门封圈,个,88\n".into())
        .await
        .map_err(fail)?;
    let gasket = office::catalog(&keeper).await.map_err(fail)?[0].id;
    let warehouse = LocationId(uuid::Uuid::now_v7());
    office::stock_action(
        &keeper,
        StockAction::AddWarehouse {
            id: warehouse,
            name: "北京中心仓".into(),
        },
    )
    .await
    .map_err(fail)?;
    office::stock_action(
        &keeper,
        StockAction::Receive {
            receipt: StockReceipt {
                id: MovementId(uuid::Uuid::now_v7()),
                warehouse,
                part: gasket,
                quantity: 3,
                serials: vec![],
                note: String::new(),
            },
        },
    )
    .await
    .map_err(fail)?;
    let van = LocationId(uuid::Uuid::now_v7());
    {
        let db = onsite_server::db::open(server.data.path())?;
        onsite_server::reference::ensure_van(&db.conn(), tech_id, "李伟的车", van)?;
    }
    session::sync_now(&tech).await.map_err(fail)?;

    // Asked on the phone: stored at once, waiting to be sent.
    let asked = requisitions::ask_parts(
        &tech,
        AskParts {
            requisition_id: uuid(),
            line_id: uuid(),
            part_id: gasket.to_string(),
            quantity: 2,
            order_id: None,
        },
    )
    .map_err(fail)?;
    assert_eq!(asked.status, RequisitionStatus::Requested);
    assert!(asked.unsent, "not sent to the office yet");
    let err = requisitions::ask_parts(
        &tech,
        AskParts {
            requisition_id: uuid(),
            line_id: uuid(),
            part_id: gasket.to_string(),
            quantity: 0,
            order_id: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code, "errors.requisition.invalid_quantity");
    assert_eq!(
        requisitions::my_requests(&tech).map_err(fail)?.len(),
        1,
        "a refused ask stores nothing"
    );
    session::sync_now(&tech).await.map_err(fail)?;
    assert!(!requisitions::my_requests(&tech).map_err(fail)?[0].unsent);

    // The office's queue, and its approval and issue.
    let queue = requisitions::office_requisitions(&boss)
        .await
        .map_err(fail)?;
    let entry = queue
        .to_approve
        .iter()
        .find(|e| e.id == asked.id)
        .ok_or_else(|| anyhow::anyhow!("queued: {queue:?}"))?;
    assert_eq!(entry.lines[0].in_warehouse, 3);
    assert!(entry
        .checks
        .iter()
        .any(|c| c.action == "approve" && c.refused.is_none()));
    assert!(
        entry.checks.iter().any(|c| c.action == "issue"
            && c.refused.as_deref() == Some("errors.requisition.not_allowed_in_status")),
        "nothing to issue before approval: {:?}",
        entry.checks
    );
    let line: RecordId = entry.lines[0].id.parse()?;
    requisitions::office_requisition_action(
        &boss,
        &asked.id,
        RequisitionAction::Approve {
            id: RecordId(uuid::Uuid::now_v7()),
            quantities: vec![],
            note: String::new(),
        },
    )
    .await
    .map_err(fail)?;
    let err = requisitions::office_requisition_action(
        &keeper,
        &asked.id,
        RequisitionAction::Issue {
            id: RecordId(uuid::Uuid::now_v7()),
            line,
            quantity: 3,
            serials: vec![],
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.code, "errors.requisition.quantity_exceeded",
        "the warehouse holds 3, but only 2 were approved: {err:?}"
    );
    let queue = requisitions::office_requisition_action(
        &keeper,
        &asked.id,
        RequisitionAction::Issue {
            id: RecordId(uuid::Uuid::now_v7()),
            line,
            quantity: 2,
            serials: vec![],
        },
    )
    .await
    .map_err(fail)?;
    assert!(
        queue.to_issue.iter().all(|e| e.id != asked.id),
        "the answer is the queue after the issue"
    );

    // The phone follows: issued, and the van shows the issue behind its figure.
    session::sync_now(&tech).await.map_err(fail)?;
    let mine = requisitions::my_requests(&tech).map_err(fail)?;
    assert_eq!(mine[0].status, RequisitionStatus::Issued);
    let van_now = requisitions::van(&tech).map_err(fail)?;
    assert_eq!(van_now.len(), 1);
    assert_eq!(van_now[0].quantity, 2);
    assert_eq!(van_now[0].part_number, "BR-23");
    assert_eq!(
        van_now[0]
            .movements
            .iter()
            .map(|m| (m.kind, m.quantity))
            .collect::<Vec<_>>(),
        vec![(MovementKind::Issue, 2)]
    );

    // One back, unused, offline; the storekeeper takes it in.
    let back = requisitions::hand_back(
        &tech,
        HandBackArgs {
            requisition_id: asked.id.clone(),
            record_id: uuid(),
            what: HandBackKind::Unused,
            line_id: Some(line.to_string()),
            part_id: None,
            quantity: 1,
            serials: vec![],
            order_id: None,
            note: "not needed".into(),
        },
    )
    .map_err(fail)?;
    assert_eq!(back.handbacks.len(), 1);
    assert_eq!(back.lines[0].open_to_hand_back, 1, "one left in the van");
    session::sync_now(&tech).await.map_err(fail)?;
    let queue = requisitions::office_requisitions(&keeper)
        .await
        .map_err(fail)?;
    let entry = queue
        .to_take_back
        .iter()
        .find(|e| e.id == asked.id)
        .ok_or_else(|| anyhow::anyhow!("to take back: {queue:?}"))?;
    let handback: RecordId = entry.handbacks[0].id.parse()?;
    requisitions::office_requisition_action(
        &keeper,
        &asked.id,
        RequisitionAction::TakeBack {
            id: RecordId(uuid::Uuid::now_v7()),
            handback,
            outcome: onsite_core::doc::requisition::ReturnOutcome::ToStock,
            reason: String::new(),
        },
    )
    .await
    .map_err(fail)?;
    session::sync_now(&tech).await.map_err(fail)?;
    let van_now = requisitions::van(&tech).map_err(fail)?;
    assert_eq!(van_now[0].quantity, 1, "2 issued, 1 taken back");
    assert_eq!(
        van_now[0].movements.last().map(|m| (m.kind, m.quantity)),
        Some((MovementKind::Return, -1))
    );
    server.stop().await
}
