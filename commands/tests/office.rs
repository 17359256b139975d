//! The office's set-up commands against a real `onsite-server` on loopback: which areas
//! a role administers, a refused catalog row arriving with its row and column for the
//! UI to word, and stock actions answering the stock screen as it stands after them.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use onsite_commands::office::{self, StockAction};
use onsite_commands::{session, App, CommandError};
use onsite_core::ids::{LocationId, MovementId};
use onsite_core::office::{OfficeArea, StockReceipt};
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
    role: Role,
) -> anyhow::Result<App> {
    server.add_user(login, login, role, PASSWORD)?;
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

#[tokio::test]
async fn a_storekeeper_imports_the_catalog_and_receives_stock_from_the_desk() -> anyhow::Result<()>
{
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let keeper = app(&server, dir.path(), "sun.li", Role::Storekeeper).await?;
    assert_eq!(
        office::office_areas(&keeper).map_err(fail)?,
        vec![
            OfficeArea::Catalog,
            OfficeArea::Stock,
            OfficeArea::Approvals,
            OfficeArea::Issuing
        ]
    );

    let bad = "编号,名称,单位,单价\nBELT-8,皮带,条,35\nPUMP-21,排水泵,个,十二\n".to_string();
    let err = office::import_catalog(&keeper, bad).await.unwrap_err();
    assert_eq!(err.code, "errors.catalog.import_bad_price");
    assert_eq!(
        err.details["row"], 3,
        "the row reaches the UI: {:?}",
        err.details
    );
    assert_eq!(err.details["column"], "单价", "as the file heads it");

    let good = "编号,名称,单位,单价\nBELT-8,皮带,条,35\n".to_string();
    let report = office::import_catalog(&keeper, good).await.map_err(fail)?;
    assert_eq!((report.added, report.updated), (1, 0));
    let belt = office::catalog(&keeper).await.map_err(fail)?[0].id;

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
    let stock = office::stock_action(
        &keeper,
        StockAction::Receive {
            receipt: StockReceipt {
                id: MovementId(uuid::Uuid::now_v7()),
                warehouse,
                part: belt,
                quantity: 4,
                serials: vec![],
                note: String::new(),
            },
        },
    )
    .await
    .map_err(fail)?;
    let line = stock
        .balances
        .iter()
        .find(|l| l.location == warehouse && l.part == belt);
    assert_eq!(
        line.map(|l| l.quantity),
        Some(4),
        "the answer is the stock after the receipt"
    );
    server.stop().await
}

#[tokio::test]
async fn a_dispatcher_administers_nothing_and_the_server_says_so() -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let dispatcher = app(&server, dir.path(), "wang.fang", Role::Dispatcher).await?;
    assert!(office::office_areas(&dispatcher).map_err(fail)?.is_empty());
    let err = office::catalog(&dispatcher).await.unwrap_err();
    assert_eq!(err.code, "errors.office.catalog_not_permitted");
    assert_eq!(err.details["role"], "dispatcher");
    let err = office::people(&dispatcher).await.unwrap_err();
    assert_eq!(err.code, "errors.office.people_not_permitted");
    server.stop().await
}
