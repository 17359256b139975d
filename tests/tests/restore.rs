//! A server restored from a backup loses nothing the devices hold: devices sync, a
//! backup is taken (database and blob folder), the devices make and sync more changes
//! and a photo, and the server is restored from the backup with
//! `onsite_server::restore` (what `onsite-server restore --from` runs). After one more
//! sync each, with no sign-out, the server holds everything again; each device sent only
//! the documents the restored server lacked, and goes on receiving what others write.

use std::path::Path;

use anyhow::Context as _;
use chrono::{Duration, Utc};
use onsite_core::{Actor, OrderId, OrderOp, RecordId, Role, UserId};
use onsite_device::fixtures::Fixture;
use onsite_device::sync_client::SyncClient;
use onsite_device::Store;
use onsite_tests::TestServer;

const PASSWORD: &str = "correct horse";

fn start() -> chrono::DateTime<Utc> {
    Utc::now() - Duration::hours(30)
}

fn camera_photo() -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([(x / 4) as u8, (y / 3) as u8, ((x + y) / 7) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img)?;
    Ok(out)
}

fn comment(text: &str) -> OrderOp {
    OrderOp::Comment {
        id: RecordId::new_at(Utc::now()),
        text: text.into(),
    }
}

#[tokio::test]
async fn a_restored_server_gets_back_everything_the_devices_synced_after_its_backup(
) -> anyhow::Result<()> {
    let server = TestServer::start().await?;
    let actor = |login: &str, role| -> anyhow::Result<Actor> {
        let account = server.add_user(login, login, role, PASSWORD)?;
        Ok(Actor {
            user: UserId(account.id.parse()?),
            role,
        })
    };
    let fx = Fixture {
        dispatcher: actor("wang.fang", Role::Dispatcher)?,
        technician: actor("li.wei", Role::Technician)?,
        ..Fixture::default()
    };
    let dir = tempfile::tempdir()?;
    let mut office = Store::open(&dir.path().join("office.db"))?;
    let (office_sync, _) =
        SyncClient::sign_in(&mut office, &server.url(""), "wang.fang", PASSWORD, "desk").await?;
    let mut phone = Store::open(&dir.path().join("phone.db"))?;
    let (phone_sync, _) =
        SyncClient::sign_in(&mut phone, &server.url(""), "li.wei", PASSWORD, "phone").await?;

    // Three orders dispatched to Li, and a photo on the first, all synced.
    let mut ids: Vec<OrderId> = Vec::new();
    for i in 1..=3 {
        let new = fx.new_order(i, start());
        let id = new.id;
        office.create_order(new, &fx.ctx(fx.dispatcher, start()))?;
        let (who, offset, dispatch) = fx
            .visit_ops(i, start(), "unused")
            .into_iter()
            .next()
            .context("the visit starts with a dispatch")?;
        office.apply_order(id, &dispatch, &fx.ctx(who, start() + offset))?;
        ids.push(id);
    }
    office_sync.sync(&mut office).await?;
    phone_sync.sync(&mut phone).await?;
    let before = phone.add_photo(&camera_photo()?)?;
    let at = start() + Duration::hours(2);
    let photo = |hash: &str| OrderOp::AddPhoto {
        hash: hash.to_string(),
        caption: "铭牌".into(),
    };
    phone.apply_order(ids[0], &photo(&before.hash), &fx.ctx(fx.technician, at))?;
    phone_sync.sync(&mut phone).await?;
    office_sync.sync(&mut office).await?;

    // The backup: the database, and the blob folder beside it, checked against it.
    let backup = dir.path().join("backup.db");
    let backed_up = onsite_server::backup::run(server.data.path(), &backup)?;
    assert_eq!(
        (
            backed_up.blobs_copied,
            backed_up.referenced,
            backed_up.not_uploaded
        ),
        (1, 1, 0),
        "the one photo uploaded before the backup is in it: {backed_up:?}"
    );
    let blob_backup = backed_up.blobs;

    // The busy hour after it: a photo and a note from Li on order 2, a note from the
    // office on order 3 and a new order 4, all synced to the server that will be lost.
    let later = phone.add_photo(&{
        let img = image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([90, (x / 3) as u8, (y / 2) as u8])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img)?;
        out
    })?;
    phone.apply_order(ids[1], &photo(&later.hash), &fx.ctx(fx.technician, at))?;
    phone.apply_order(ids[1], &comment("泵已拆下"), &fx.ctx(fx.technician, at))?;
    phone_sync.sync(&mut phone).await?;
    office.apply_order(ids[2], &comment("客户改约周五"), &fx.ctx(fx.dispatcher, at))?;
    let fourth = fx.new_order(4, start());
    let fourth_id = fourth.id;
    office.create_order(fourth, &fx.ctx(fx.dispatcher, start()))?;
    office_sync.sync(&mut office).await?;

    // The server's disk is lost. It is restored, stopped, into a new data folder from
    // the two backups, and started again at the same address.
    let (lost, addr) = server.stop_keeping_data().await?;
    drop(lost);
    let data = tempfile::tempdir()?;
    let restored = onsite_server::restore::run(data.path(), &backup, Some(&blob_backup))?;
    assert!(
        restored.set_aside.is_none(),
        "nothing to set aside in a new folder"
    );
    assert!(
        restored.blobs_copied == 1,
        "the photo from before the backup is copied in: {} of {:?}",
        restored.blobs_copied,
        walkdir(&blob_backup)
    );
    let server = TestServer::start_on(data, addr).await?;

    // One more sync each, no sign-out.
    let phone_report = phone_sync.sync(&mut phone).await?;
    assert!(phone_report.server_restored, "the phone saw the new epoch");
    assert_eq!(
        phone_report.pushed, 1,
        "the phone sent only the order the restored server lacked changes of"
    );
    let office_report = office_sync.sync(&mut office).await?;
    assert!(office_report.server_restored);
    // Order 4 carries the flags the lost server raised on it after the backup, written
    // by the server's own actor, which the restored server can't tell from a forgery:
    // the push is held for a supervisor, not lost, and released it is merged.
    assert!(office_report.rejected.is_empty(), "{office_report:?}");
    let held: Vec<&String> = office_report
        .quarantined
        .iter()
        .map(|(doc, _)| doc)
        .collect();
    assert_eq!(held, [&fourth_id.to_string()], "{office_report:?}");
    server.add_user("liu.yang", "刘洋", Role::Supervisor, PASSWORD)?;
    let supervisor =
        onsite_tests::protocol_client::Client::sign_in(&server.url(""), "liu.yang", PASSWORD)
            .await?;
    let http = reqwest::Client::new();
    let queue: serde_json::Value = http
        .get(server.url("/v1/quarantine"))
        .bearer_auth(&supervisor.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = queue
        .as_array()
        .and_then(|q| q.iter().find(|h| h["doc_id"] == fourth_id.to_string()))
        .and_then(|h| h["id"].as_str())
        .context("the held push is in the supervisor's queue")?
        .to_string();
    http.post(server.url(&format!("/v1/quarantine/{id}/release")))
        .bearer_auth(&supervisor.token)
        .json(&serde_json::json!({"note": "restored from backup"}))
        .send()
        .await?
        .error_for_status()?;
    assert_eq!(
        office_report.pushed, 2,
        "the office sent order 3's note and the new order 4, not all four orders"
    );

    // A desk signed in only now gets everything from the restored server.
    let mut fresh = Store::open(&dir.path().join("fresh.db"))?;
    let (fresh_sync, _) =
        SyncClient::sign_in(&mut fresh, &server.url(""), "wang.fang", PASSWORD, "desk 2").await?;
    fresh_sync.sync(&mut fresh).await?;
    let second = fresh.order(ids[1])?;
    assert!(
        second.photos.iter().any(|p| p.hash == later.hash),
        "Li's photo op is back"
    );
    assert!(
        second.comments.iter().any(|c| c.text == "泵已拆下"),
        "Li's note is back"
    );
    assert!(
        fresh
            .order(ids[2])?
            .comments
            .iter()
            .any(|c| c.text == "客户改约周五"),
        "the office's note is back"
    );
    assert_eq!(
        fresh.order(fourth_id)?.id,
        fourth_id,
        "the new order is back"
    );
    let token = onsite_device::token::load(&fresh)?.context("signed in")?;
    for hash in [&before.hash, &later.hash] {
        let response = http
            .get(server.url(&format!("/v1/blobs/{hash}")))
            .bearer_auth(&token)
            .send()
            .await?;
        assert_eq!(response.status(), 200, "blob {hash} is on the server");
        assert_eq!(response.bytes().await?.to_vec(), phone.read_blob(hash)?);
    }

    // The phone's cursor restarted with the restored server: a note written at the
    // office after the restore reaches it.
    office.apply_order(
        ids[0],
        &comment("配件明天到"),
        &fx.ctx(fx.dispatcher, Utc::now()),
    )?;
    office_sync.sync(&mut office).await?;
    phone_sync.sync(&mut phone).await?;
    assert!(phone
        .order(ids[0])?
        .comments
        .iter()
        .any(|c| c.text == "配件明天到"));
    let quiet = phone_sync.sync(&mut phone).await?;
    assert_eq!(
        quiet.pushed, 0,
        "nothing is sent again once the server has it"
    );
    assert!(!quiet.server_restored);
    server.stop().await
}

fn walkdir(dir: &Path) -> Vec<String> {
    let mut out = vec![];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            out.push(e.path().display().to_string());
            out.extend(walkdir(&e.path()));
        }
    }
    out
}
