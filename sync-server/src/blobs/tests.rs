//! The server blob store: chunked uploads, resume, limits and checks, and who may read.

use super::*;
use crate::accounts::Account;
use onsite_core::role::Role;

fn principal(role: Role) -> Principal {
    Principal {
        device_id: "0190aaaa-0000-7000-8000-000000000001".into(),
        account: Account {
            id: "0190bbbb-0000-7000-8000-000000000002".into(),
            login: "li.wei".into(),
            name: "李伟".into(),
            role,
        },
    }
}

/// A fake JPEG: the right magic bytes, then `len - 4` varied bytes.
fn jpeg(len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..len.saturating_sub(4)).map(|i| (i * 7 % 251) as u8));
    bytes
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn chunk<'a>(bytes: &'a [u8], offset: u64, length: u64, media_type: &'a str) -> Chunk<'a> {
    Chunk {
        offset,
        length,
        media_type,
        bytes,
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    db: Db,
    store: BlobStore,
}

fn fixture() -> anyhow::Result<Fixture> {
    let dir = tempfile::tempdir()?;
    let db = crate::db::open(dir.path())?;
    let store = BlobStore::new(db.data_dir().join(BLOB_DIR));
    Ok(Fixture { dir, db, store })
}

#[test]
fn a_blob_sent_in_chunks_resumes_after_a_restart_and_lands_under_its_hash() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let bytes = jpeg(2_500_000);
    let (hash, len) = (sha(&bytes), bytes.len() as u64);
    assert_eq!(f.store.status(&f.db, &hash)?, Status::Absent);

    let first = &bytes[..MAX_CHUNK_BYTES];
    let at = f
        .store
        .append(&f.db, &who, &hash, chunk(first, 0, len, "image/jpeg"), 1)?;
    assert_eq!(at, MAX_CHUNK_BYTES as u64);

    // The server restarts: a new store on the same data folder knows where it was.
    let db = crate::db::open(f.dir.path())?;
    let store = BlobStore::new(db.data_dir().join(BLOB_DIR));
    assert_eq!(
        store.status(&db, &hash)?,
        Status::Partial {
            offset: at,
            length: len,
            media_type: "image/jpeg".into()
        },
        "the acknowledged bytes survive a restart"
    );
    let mut offset = at;
    while offset < len {
        let end = (offset as usize + MAX_CHUNK_BYTES).min(bytes.len());
        offset = store.append(
            &db,
            &who,
            &hash,
            chunk(&bytes[offset as usize..end], offset, len, "image/jpeg"),
            2,
        )?;
    }
    assert_eq!(
        store.status(&db, &hash)?,
        Status::Complete {
            size: len,
            media_type: "image/jpeg"
        }
    );
    assert_eq!(
        fs::read(f.dir.path().join("blobs").join(&hash[..2]).join(&hash))?,
        bytes,
        "stored under blobs/ab/<hash> with identical bytes"
    );
    assert!(
        !f.dir.path().join("blobs/partial").join(&hash).exists(),
        "the partial file is gone"
    );
    let rows: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM blob_uploads", (), |r| r.get(0))?;
    assert_eq!(rows, 0, "no upload is left in progress");
    assert_eq!(
        store.read(&hash, 10, 5)?,
        &bytes[10..15],
        "ranges read back"
    );
    Ok(())
}

#[test]
fn a_repeated_last_chunk_of_a_complete_blob_reports_its_length() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let bytes = jpeg(1000);
    let (hash, len) = (sha(&bytes), bytes.len() as u64);
    f.store
        .append(&f.db, &who, &hash, chunk(&bytes, 0, len, "image/jpeg"), 1)?;
    let again = f.store.append(
        &f.db,
        &who,
        &hash,
        chunk(&bytes[500..], 500, len, "image/jpeg"),
        2,
    )?;
    assert_eq!(
        again, len,
        "a retry after a lost response is answered, not refused"
    );
    Ok(())
}

#[test]
fn bad_hashes_are_refused_before_anything_is_stored() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let bytes = jpeg(100);
    for bad in [
        "abc".to_string(),
        sha(&bytes).to_uppercase(),
        format!("../{}", &sha(&bytes)[3..]),
        "g".repeat(64),
    ] {
        let err = f
            .store
            .append(&f.db, &who, &bad, chunk(&bytes, 0, 100, "image/jpeg"), 1)
            .unwrap_err();
        assert!(matches!(err, BlobError::BadHash(_)), "{bad}: {err}");
        assert_eq!(ApiError::from(err).status, StatusCode::BAD_REQUEST);
    }
    assert!(
        !f.dir.path().join("blobs").exists(),
        "nothing was written for a bad hash"
    );
    Ok(())
}

#[test]
fn only_images_and_signature_strokes_of_the_declared_type_are_accepted() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let bytes = jpeg(100);
    let hash = sha(&bytes);
    let err = f
        .store
        .append(
            &f.db,
            &who,
            &hash,
            chunk(&bytes, 0, 100, "application/pdf"),
            1,
        )
        .unwrap_err();
    assert!(matches!(err, BlobError::UnsupportedType(_)), "{err}");
    assert_eq!(
        ApiError::from(err).code,
        "errors.blob.unsupported_type",
        "a PDF is not a photo"
    );

    let err = f
        .store
        .append(&f.db, &who, &hash, chunk(&bytes, 0, 100, "image/png"), 1)
        .unwrap_err();
    assert!(
        matches!(err, BlobError::WrongContent { .. }),
        "JPEG bytes declared as PNG: {err}"
    );
    let err = f
        .store
        .append(
            &f.db,
            &who,
            &hash,
            chunk(&bytes[..8], 0, 100, "image/jpeg"),
            1,
        )
        .unwrap_err();
    assert!(
        matches!(err, BlobError::FirstChunkTooShort),
        "the type is checked on the first chunk: {err}"
    );
    assert_eq!(
        f.store.append(
            &f.db,
            &who,
            &hash,
            chunk(&bytes, 0, 100, "image/jpeg; q=1"),
            1
        )?,
        100,
        "media type parameters are ignored"
    );

    let strokes = br#"{"width":200,"height":80,"strokes":[[{"x":1,"y":2,"time":0}]]}"#;
    let len = strokes.len() as u64;
    f.store.append(
        &f.db,
        &who,
        &sha(strokes),
        chunk(strokes, 0, len, "application/json"),
        1,
    )?;
    let not_strokes = br#"{"hello": "world", "padding": 1234567}"#;
    let err = f
        .store
        .append(
            &f.db,
            &who,
            &sha(not_strokes),
            chunk(not_strokes, 0, not_strokes.len() as u64, "application/json"),
            1,
        )
        .unwrap_err();
    assert!(matches!(err, BlobError::BadStrokes(_)), "{err}");
    Ok(())
}

#[test]
fn oversize_blobs_and_chunks_past_the_length_are_refused() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let bytes = jpeg(100);
    let hash = sha(&bytes);
    let err = f
        .store
        .append(
            &f.db,
            &who,
            &hash,
            chunk(&bytes, 0, MAX_BLOB_BYTES + 1, "image/jpeg"),
            1,
        )
        .unwrap_err();
    assert!(matches!(err, BlobError::TooLarge { .. }), "{err}");
    assert_eq!(ApiError::from(err).status, StatusCode::PAYLOAD_TOO_LARGE);

    let err = f
        .store
        .append(&f.db, &who, &hash, chunk(&bytes, 0, 50, "image/jpeg"), 1)
        .unwrap_err();
    assert!(matches!(err, BlobError::BeyondLength { .. }), "{err}");
    let err = f
        .store
        .append(&f.db, &who, &hash, chunk(&[], 0, 0, "image/jpeg"), 1)
        .unwrap_err();
    assert!(matches!(err, BlobError::Empty), "{err}");
    Ok(())
}

#[test]
fn an_offset_mismatch_tells_the_client_where_to_resume() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let bytes = jpeg(3000);
    let (hash, len) = (sha(&bytes), bytes.len() as u64);
    let err = f
        .store
        .append(
            &f.db,
            &who,
            &hash,
            chunk(&bytes[100..200], 100, len, "image/jpeg"),
            1,
        )
        .unwrap_err();
    assert_eq!(err.current_offset(), Some(0), "nothing held yet: {err}");

    f.store.append(
        &f.db,
        &who,
        &hash,
        chunk(&bytes[..1000], 0, len, "image/jpeg"),
        1,
    )?;
    // The client lost the answer and sends the first chunk again.
    let err = f
        .store
        .append(
            &f.db,
            &who,
            &hash,
            chunk(&bytes[..1000], 0, len, "image/jpeg"),
            2,
        )
        .unwrap_err();
    assert!(matches!(err, BlobError::OffsetMismatch { .. }), "{err}");
    assert_eq!(err.current_offset(), Some(1000));
    let api = ApiError::from(err);
    assert_eq!(
        (api.status, api.code),
        (StatusCode::CONFLICT, "errors.blob.offset_mismatch")
    );
    // Another length for the same hash is a conflict, not a silent restart.
    let err = f
        .store
        .append(
            &f.db,
            &who,
            &hash,
            chunk(&bytes[1000..1100], 1000, len + 1, "image/jpeg"),
            2,
        )
        .unwrap_err();
    assert!(matches!(err, BlobError::UploadConflict { .. }), "{err}");
    assert_eq!(
        f.store.append(
            &f.db,
            &who,
            &hash,
            chunk(&bytes[1000..], 1000, len, "image/jpeg"),
            3
        )?,
        len,
        "resuming from the server's offset completes the blob"
    );
    Ok(())
}

#[test]
fn bytes_past_the_acknowledged_offset_are_cut_off_on_resume() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let bytes = jpeg(2000);
    let (hash, len) = (sha(&bytes), bytes.len() as u64);
    f.store.append(
        &f.db,
        &who,
        &hash,
        chunk(&bytes[..800], 0, len, "image/jpeg"),
        1,
    )?;
    // A crash after writing more of a chunk but before recording it leaves junk behind.
    let partial = f.dir.path().join("blobs/partial").join(&hash);
    let mut file = OpenOptions::new().append(true).open(&partial)?;
    file.write_all(&[0u8; 300])?;
    drop(file);
    f.store.append(
        &f.db,
        &who,
        &hash,
        chunk(&bytes[800..], 800, len, "image/jpeg"),
        2,
    )?;
    assert_eq!(
        f.store.read(&hash, 0, len)?,
        bytes,
        "the junk did not survive"
    );
    Ok(())
}

#[test]
fn bytes_that_do_not_hash_to_the_name_are_discarded() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let bytes = jpeg(500);
    let wrong = sha(b"something else");
    let err = f
        .store
        .append(&f.db, &who, &wrong, chunk(&bytes, 0, 500, "image/jpeg"), 1)
        .unwrap_err();
    assert!(matches!(err, BlobError::HashMismatch { .. }), "{err}");
    assert_eq!(ApiError::from(err).status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        f.store.status(&f.db, &wrong)?,
        Status::Absent,
        "nothing is kept under a name the bytes do not match"
    );
    Ok(())
}

#[test]
fn abandoned_uploads_are_deleted_when_a_new_one_starts() -> anyhow::Result<()> {
    let f = fixture()?;
    let who = principal(Role::Technician);
    let old = jpeg(900);
    let old_hash = sha(&old);
    f.store.append(
        &f.db,
        &who,
        &old_hash,
        chunk(&old[..100], 0, 900, "image/jpeg"),
        0,
    )?;
    let new = jpeg(901);
    f.store.append(
        &f.db,
        &who,
        &sha(&new),
        chunk(&new, 0, 901, "image/jpeg"),
        ABANDONED_AFTER_MS + 1,
    )?;
    assert_eq!(f.store.status(&f.db, &old_hash)?, Status::Absent);
    assert!(!f.dir.path().join("blobs/partial").join(&old_hash).exists());
    Ok(())
}

#[test]
fn technicians_read_only_blobs_their_orders_reference() -> anyhow::Result<()> {
    use onsite_core::fixtures::Scenario;
    use onsite_core::records::order::PhotoRef;
    use onsite_core::records::request::ServiceMode;

    let f = fixture()?;
    let tech = principal(Role::Technician);
    let photo = sha(b"photo");
    let mut scenario = Scenario::new(ServiceMode::OnSite, false);
    scenario.order.photos.push(PhotoRef {
        hash: photo.clone(),
        at: scenario.now,
        by: scenario.cast.technician.user,
        caption: String::new(),
    });
    let mut doc = automerge::AutoCommit::new();
    let ctx = onsite_core::Ctx {
        actor: scenario.cast.dispatcher,
        now: scenario.now,
        settings: &scenario.settings,
        calendar: &scenario.calendar,
    };
    onsite_core::ops::create(&mut doc, &scenario.order, &ctx)?;
    let insert = |id: &str, owner: &str, seq: i64, data: &[u8]| {
        f.db.conn().execute(
            "INSERT INTO documents (id, kind, data, heads, owner, seq, updated_at)
             VALUES (?1, 'order', ?2, '[]', ?3, ?4, '')
             ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, seq = excluded.seq",
            (id, data, owner, seq),
        )
    };
    insert("o1", "someone else", 1, &doc.save())?;
    let may = |who: &Principal| f.db.transaction(|tx| may_read(tx, who, &photo));
    assert!(!may(&tech)?, "another technician's photo is not readable");
    assert!(
        may(&principal(Role::Dispatcher))?,
        "the office reads everything"
    );

    // Reassigned to this technician: the changed sequence number makes it re-read.
    insert("o1", &tech.account.id, 2, &doc.save())?;
    assert!(may(&tech)?, "a photo of their own order is readable");
    assert!(
        !f.db.transaction(|tx| may_read(tx, &tech, &sha(b"other")))?,
        "a hash no order references is not"
    );
    Ok(())
}
