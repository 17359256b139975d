//! Customer data stays with the people who need it, against a real server: a
//! technician's device holds the customers of its own orders only. Another technician's
//! customer (their order, their phone, their complaint) never reaches it, not in the
//! documents, not in the search, not in the customer rows the follow-up queue reads;
//! and when an order is reassigned away, its customer leaves the device. Intake warns
//! about a returning customer's complaint still open.

use onsite_core::doc::complaint::Severity;
use onsite_core::doc::order::OrderOp;
use onsite_core::intake::{Intake, IntakeComplaint, IntakeCustomer, IntakeProduct};
use onsite_core::records::request::{Channel, Classification, Priority, ServiceMode};
use onsite_core::role::Role;
use onsite_device::DocKind;
use onsite_tests::devices::{dispatched_order, new_order, Device};
use onsite_tests::TestServer;

/// What a device holds about the customer with `phone`: order documents naming them,
/// search hits, and customer rows.
fn holds(device: &mut Device, phone: &str) -> anyhow::Result<(usize, usize, usize)> {
    let mut docs = 0;
    for id in device.store.document_ids(DocKind::Order)? {
        if device.order(id.parse()?)?.customer.phone == phone {
            docs += 1;
        }
    }
    let hits = device.store.search_orders(phone, 50)?.len();
    let rows = device.store.customer_orders(Some(phone))?.len();
    Ok((docs, hits, rows))
}

#[tokio::test]
async fn a_technicians_device_never_receives_another_technicians_customer() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    let mut li = Device::sign_in(&server, dir.path(), "li.wei", Role::Technician).await?;
    let mut zhao = Device::sign_in(&server, dir.path(), "zhao.lei", Role::Technician).await?;
    office.sync().await?;

    let mut mine = new_order(1);
    mine.customer.phone = "13800000001".into();
    let mut theirs = new_order(2);
    theirs.customer.phone = "13900000002".into();
    theirs.customer.name = "陈晨".into();
    let mine_id = dispatched_order(&mut office, &mut li, mine).await?;
    let theirs_id = dispatched_order(&mut office, &mut zhao, theirs).await?;
    // A complaint by the other customer about their order, recorded at the office.
    let rules = office.rules();
    let ctx = onsite_core::Ctx {
        actor: office.actor,
        now: office.now(),
        settings: rules.settings(),
        calendar: &rules.calendar,
    };
    let complaint = complaint_intake("13900000002").into_new_complaint(
        office.now(),
        rules.calendar.local_date(office.now()),
        IntakeComplaint {
            demand: String::new(),
            contact: String::new(),
            severity: Severity::General,
            order: Some(theirs_id),
        },
    )?;
    office.store.create_complaint(complaint, &ctx)?;
    office.sync().await?;
    li.sync().await?;
    zhao.sync().await?;

    assert_eq!(
        holds(&mut li, "13800000001")?,
        (1, 1, 1),
        "Li holds his own customer"
    );
    assert_eq!(
        holds(&mut li, "13900000002")?,
        (0, 0, 0),
        "Li's device holds nothing of Zhao's customer"
    );
    assert!(
        li.store.document_ids(DocKind::Complaint)?.is_empty(),
        "nor any complaint"
    );
    assert_eq!(holds(&mut zhao, "13900000002")?, (1, 1, 1));
    assert_eq!(holds(&mut zhao, "13800000001")?, (0, 0, 0));
    assert_eq!(
        holds(&mut office, "13900000002")?,
        (1, 1, 1),
        "the office holds every customer"
    );

    // Reassigned from Li to Zhao: the customer leaves Li's device.
    office.apply(
        mine_id,
        OrderOp::Assign {
            assignee: zhao.actor.user,
        },
    )?;
    office.sync().await?;
    li.sync().await?;
    zhao.sync().await?;
    assert_eq!(
        holds(&mut li, "13800000001")?,
        (0, 0, 0),
        "gone with the order"
    );
    assert_eq!(holds(&mut zhao, "13800000001")?, (1, 1, 1));
    Ok(())
}

#[tokio::test]
async fn intake_warns_about_the_returning_customers_open_complaint() -> anyhow::Result<()> {
    use onsite_commands::{complaints, customers};
    use onsite_tests::desk::{fail, signed_in, Clock};
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let clock: Clock = std::sync::Arc::new(std::sync::Mutex::new(chrono::Utc::now()));
    let desk = signed_in(&server, dir.path(), "wang.fang", Role::Dispatcher, clock).await?;
    let other = signed_in(
        &server,
        dir.path(),
        "zhao.min",
        Role::Dispatcher,
        std::sync::Arc::new(std::sync::Mutex::new(chrono::Utc::now())),
    )
    .await?;
    let made = complaints::create_complaint(
        &desk,
        complaint_intake("13800138000"),
        IntakeComplaint {
            demand: "a call back".into(),
            contact: String::new(),
            severity: Severity::General,
            order: None,
        },
    )
    .map_err(fail)?;
    onsite_commands::session::sync_now(&desk)
        .await
        .map_err(fail)?;
    // Another agent takes the same customer's next call, the phone typed with spaces.
    onsite_commands::session::sync_now(&other)
        .await
        .map_err(fail)?;
    let warned = customers::customer_open_complaints(&other, "138 0013 8000").map_err(fail)?;
    assert_eq!(
        warned.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![made.complaint.id.to_string()],
        "the open complaint is named at intake"
    );
    assert!(customers::customer_open_complaints(&other, "13900000000")
        .map_err(fail)?
        .is_empty());
    Ok(())
}

fn complaint_intake(phone: &str) -> Intake {
    Intake {
        channel: Channel::Phone,
        classification: Classification::Complaint,
        customer: IntakeCustomer {
            name: "王芳".into(),
            phone: phone.into(),
            address: String::new(),
            key_account: false,
        },
        product: IntakeProduct {
            model: String::new(),
            serial: String::new(),
            purchase_date: None,
            delivered_on: None,
        },
        fault_code: String::new(),
        description: "nobody came".into(),
        fault_since: None,
        external_damage: String::new(),
        mode: ServiceMode::OnSite,
        priority: Priority::Normal,
    }
}
