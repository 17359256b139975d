//! The office's SLA board against a real server and real devices: the desk's board is
//! evaluated at the desk's own "now" from what its store holds, so it moves with time
//! alone, and with each sync: a clock a technician stops leaves it, a clock paused
//! while waiting for the customer shows as paused, the filters by technician and by
//! clock narrow it, and a complaint's clocks are on it beside the orders'.

use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use onsite_commands::complaints;
use onsite_commands::list::SlaStatus;
use onsite_commands::session;
use onsite_commands::sla_board::{self, BoardDoc, BoardQuery, SlaBoard};
use onsite_core::doc::complaint::Severity;
use onsite_core::doc::order::OrderOp;
use onsite_core::intake::{Intake, IntakeComplaint, IntakeCustomer, IntakeProduct};
use onsite_core::records::order::{ContactChannel, HoldKind};
use onsite_core::records::request::{Channel, Classification, Priority, ServiceMode};
use onsite_core::role::Role;
use onsite_core::sla::ClockKind;
use onsite_core::RecordId;
use onsite_tests::desk::{fail, set, signed_in};
use onsite_tests::devices::{dispatched, new_order, Device};
use onsite_tests::TestServer;

/// The numbers on the board under `clock`, each with its status, sorted.
fn under(board: &SlaBoard, clock: ClockKind) -> Vec<(String, SlaStatus)> {
    let mut rows: Vec<_> = board
        .groups
        .iter()
        .filter(|g| g.clock == clock)
        .flat_map(|g| g.rows.iter().map(|r| (r.number.clone(), r.status)))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

#[tokio::test]
async fn the_board_moves_with_the_clock_and_with_each_sync() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "office", Role::Dispatcher).await?;
    let mut li = Device::sign_in(&server, dir.path(), "li", Role::Technician).await?;
    let mut wang = Device::sign_in(&server, dir.path(), "wang", Role::Technician).await?;
    let for_li = dispatched(&mut office, &mut li, 1).await?;
    let for_wang = dispatched(&mut office, &mut wang, 2).await?;
    let unassigned = new_order(3);
    let unassigned_id = unassigned.id;
    office.create_order(unassigned)?;
    office.sync().await?;
    let li_no = office.order(for_li)?.number;
    let wang_no = office.order(for_wang)?.number;
    let open_no = office.order(unassigned_id)?.number;

    // The supervisor's desk, its clock pinned so that the test decides when "now" is.
    let start = Utc::now();
    let clock = Arc::new(Mutex::new(start));
    let desk = signed_in(&server, dir.path(), "desk", Role::Supervisor, clock.clone()).await?;
    let board = |query: &BoardQuery| sla_board::sla_board(&desk, query).map_err(fail);

    let fresh = board(&BoardQuery::default())?;
    assert!(fresh.groups.is_empty(), "nothing is late yet: {fresh:?}");

    // 20 h later, with nobody contacted: the 24 h first response is at risk on all three
    // orders, and the contact after dispatch on the two dispatched ones.
    set(&clock, start + Duration::hours(20));
    let all = board(&BoardQuery::default())?;
    let mut expected = vec![
        (li_no.clone(), SlaStatus::AtRisk),
        (wang_no.clone(), SlaStatus::AtRisk),
        (open_no.clone(), SlaStatus::AtRisk),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(under(&all, ClockKind::FirstResponse), expected, "{all:?}");
    assert_eq!(under(&all, ClockKind::ContactAfterDispatch).len(), 2);
    let position = |clock| all.groups.iter().position(|g| g.clock == clock);
    assert!(
        position(ClockKind::FirstResponse) < position(ClockKind::ContactAfterDispatch),
        "groups come in the clocks' order"
    );
    assert!(all
        .groups
        .iter()
        .flat_map(|g| &g.rows)
        .all(|r| r.doc == BoardDoc::Order && r.left_ms > 0 && r.left_ms <= 6 * 3_600_000));

    // The filters: one technician's rows, one clock's rows.
    let li_only = board(&BoardQuery {
        assignee: Some(li.actor.user.to_string()),
        clock: None,
    })?;
    assert_eq!(li_only.groups.len(), 2, "{li_only:?}");
    assert!(li_only
        .groups
        .iter()
        .flat_map(|g| &g.rows)
        .all(|r| r.number == li_no && r.assignee_name.as_deref() == Some("li")));
    let contact_only = board(&BoardQuery {
        assignee: None,
        clock: Some(ClockKind::ContactAfterDispatch),
    })?;
    assert_eq!(contact_only.groups.len(), 1);
    assert_eq!(contact_only.groups[0].rows.len(), 2);

    // Li reaches the customer; Wang's customer asks to wait. After the desk's next sync,
    // Li's order has left the board and Wang's clocks read paused.
    li.apply(
        for_li,
        OrderOp::LogContact {
            id: RecordId::new_at(Utc::now()),
            channel: ContactChannel::Phone,
            reached: true,
            note: "tomorrow at 10".into(),
        },
    )?;
    li.sync().await?;
    wang.apply(
        for_wang,
        OrderOp::Hold {
            kind: HoldKind::WaitingForCustomer,
            reason: "the customer is away until Monday".into(),
        },
    )?;
    wang.sync().await?;
    session::sync_now(&desk).await.map_err(fail)?;
    let after = board(&BoardQuery::default())?;
    let rows: Vec<_> = after.groups.iter().flat_map(|g| &g.rows).collect();
    assert!(
        rows.iter().all(|r| r.number != li_no),
        "Li's clocks stopped: {after:?}"
    );
    assert!(rows.iter().any(|r| r.number == wang_no));
    assert!(
        rows.iter()
            .filter(|r| r.number == wang_no)
            .all(|r| r.status == SlaStatus::Paused),
        "{after:?}"
    );

    // A day and a half on, the unassigned order's first response is breached, and it
    // comes first in its group: the least time left.
    set(&clock, start + Duration::hours(36));
    let late = board(&BoardQuery {
        assignee: None,
        clock: Some(ClockKind::FirstResponse),
    })?;
    let first = &late.groups[0].rows[0];
    assert_eq!(
        (first.number.as_str(), first.status),
        (open_no.as_str(), SlaStatus::Breached)
    );
    assert!(first.left_ms < 0);
    server.stop().await
}

#[tokio::test]
async fn a_complaint_nobody_has_called_back_is_on_the_board_beside_the_orders() -> anyhow::Result<()>
{
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let start = Utc::now();
    let clock = Arc::new(Mutex::new(start));
    let desk = signed_in(&server, dir.path(), "desk", Role::Supervisor, clock.clone()).await?;
    let intake = Intake {
        channel: Channel::Phone,
        classification: Classification::Complaint,
        customer: IntakeCustomer {
            name: "王芳".into(),
            phone: "13800138000".into(),
            address: "北京市海淀区中关村大街1号".into(),
            key_account: false,
        },
        product: IntakeProduct {
            model: "WM-8000".into(),
            serial: "SN-C-1".into(),
            purchase_date: None,
            delivered_on: None,
        },
        fault_code: String::new(),
        description: "the technician never came".into(),
        fault_since: None,
        external_damage: String::new(),
        mode: ServiceMode::OnSite,
        priority: Priority::Normal,
    };
    let made = complaints::create_complaint(
        &desk,
        intake,
        IntakeComplaint {
            demand: "a visit tomorrow morning".into(),
            contact: String::new(),
            severity: Severity::General,
            order: None,
        },
    )
    .map_err(fail)?;
    session::sync_now(&desk).await.map_err(fail)?;

    // 50 minutes on, nobody has called the complainant back: the 1 h first contact is at
    // risk, and the row opens the complaint.
    set(&clock, start + Duration::minutes(50));
    let board = sla_board::sla_board(&desk, &BoardQuery::default()).map_err(fail)?;
    let group = board
        .groups
        .iter()
        .find(|g| g.clock == ClockKind::ComplaintFirstContact)
        .ok_or_else(|| anyhow::anyhow!("no complaint clock on the board: {board:?}"))?;
    let row = &group.rows[0];
    assert_eq!(row.doc, BoardDoc::Complaint);
    assert_eq!(row.id, made.complaint.id.to_string());
    assert_eq!(row.customer, "王芳");
    assert_eq!(row.status, SlaStatus::AtRisk);
    server.stop().await
}
