//! The server's disk fills up: pushes get a clear `507` with `errors.server.storage_full`,
//! nothing of them is half-stored, the device keeps its changes, and once there is room
//! again the next sync sends them. The "disk" is SQLite's `max_page_count` on the
//! server's writer connection: the database can't grow past the pages it has.

use onsite_core::doc::order::OrderOp;
use onsite_core::role::Role;
use onsite_core::RecordId;
use onsite_device::sync_client::SyncError;
use onsite_tests::devices::{new_order, Device};
use onsite_tests::TestServer;

/// How many documents the server holds with this id (0 or 1).
fn on_server(server: &TestServer, id: &str) -> anyhow::Result<i64> {
    Ok(server
        .db
        .conn()
        .query_row("SELECT count(*) FROM documents WHERE id = ?1", [id], |r| {
            r.get(0)
        })?)
}

#[tokio::test]
async fn a_full_server_says_507_keeps_nothing_half_stored_and_takes_the_changes_once_freed(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let dir = tempfile::tempdir()?;
    let mut office = Device::sign_in(&server, dir.path(), "office", Role::Dispatcher).await?;
    office.sync().await?;

    // The disk is full: the database may not grow by a single page.
    let pages: i64 = server
        .db
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let limit: i64 =
        server
            .db
            .conn()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })?;
    assert_eq!(limit, pages);
    let seq_before: i64 =
        server
            .db
            .conn()
            .query_row("SELECT coalesce(max(seq), 0) FROM documents", [], |r| {
                r.get(0)
            })?;

    // An order with a long history: more than the free pages inside the file can hold.
    let new = new_order(7);
    let id = new.id;
    office.create_order(new)?;
    for n in 0..200 {
        office.apply(
            id,
            OrderOp::Comment {
                id: RecordId::new_at(chrono::Utc::now()),
                text: format!("第 {n} 次致电客户，无人接听。{}", "记录".repeat(200)),
            },
        )?;
    }
    let err = office
        .sync()
        .await
        .err()
        .ok_or_else(|| anyhow::anyhow!("a push to a full server succeeded"))?;
    match err.downcast_ref::<SyncError>() {
        Some(SyncError::Refused { status, code, .. }) => {
            assert_eq!(
                (*status, code.as_str()),
                (507, "errors.server.storage_full")
            );
        }
        other => anyhow::bail!("expected a 507 refusal, got {other:?} ({err})"),
    }
    assert_eq!(
        on_server(&server, &id.to_string())?,
        0,
        "nothing half-stored"
    );
    let seq_after: i64 =
        server
            .db
            .conn()
            .query_row("SELECT coalesce(max(seq), 0) FROM documents", [], |r| {
                r.get(0)
            })?;
    assert_eq!(seq_after, seq_before, "the change feed did not move");
    assert!(
        office
            .store
            .pending()?
            .iter()
            .any(|p| p.doc_id == id.to_string()),
        "the device keeps the order to send"
    );
    let health = reqwest::get(server.url("/health")).await?;
    assert!(health.status().is_success(), "the server still answers");

    // Space is freed: the next sync sends the order whole.
    server
        .db
        .conn()
        .query_row("PRAGMA max_page_count = 1073741823", [], |r| {
            r.get::<_, i64>(0)
        })?;
    office.sync().await?;
    assert_eq!(on_server(&server, &id.to_string())?, 1);
    assert!(
        office.store.pending()?.is_empty(),
        "everything acknowledged"
    );
    server.stop().await
}
