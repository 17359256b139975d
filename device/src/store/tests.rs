//! Unit tests of the store's document, blob and safety behaviour on raw Automerge
//! documents (the order projections are tested in `tests/` with onsite-core's documents).

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ScalarValue, Value, ROOT};

use super::*;

/// A store whose projector accepts raw documents (no onsite-core schema).
fn open(dir: &Path) -> anyhow::Result<Store> {
    open_with(dir, Options::default())
}

fn open_with(dir: &Path, options: Options) -> anyhow::Result<Store> {
    let mut store = Store::open_with(&dir.join("device.db"), options)?;
    store.projector.raw = true;
    Ok(store)
}

fn put(doc: &mut AutoCommit, key: &str, value: i64) -> Result<(), automerge::AutomergeError> {
    doc.put(ROOT, key, value)
}

fn get(doc: &Automerge, key: &str) -> Option<i64> {
    match doc.get(ROOT, key).ok().flatten() {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(i) => Some(*i),
            _ => None,
        },
        _ => None,
    }
}

#[test]
fn device_id_is_created_once_and_survives_reopening() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let first = open(dir.path())?.device_id()?;
    let again = open(dir.path())?.device_id()?;
    assert_eq!(first, again, "a device keeps its id across restarts");
    assert_eq!(uuid::Uuid::parse_str(&first)?.get_version_num(), 7);
    Ok(())
}

#[test]
fn actor_id_is_created_once_and_used_for_local_changes() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let actor = {
        let mut store = open(dir.path())?;
        store.create(DocKind::Complaint, "c1", |d| put(d, "n", 1))?;
        store.actor_id().clone()
    };
    let mut store = open(dir.path())?;
    assert_eq!(
        store.actor_id(),
        &actor,
        "the actor id is kept across restarts"
    );
    store.edit(DocKind::Complaint, "c1", |d| put(d, "n", 2))?;
    let actors = store.read(DocKind::Complaint, "c1", |d| {
        d.get_changes(&[])
            .iter()
            .map(|c| c.actor_id().clone())
            .collect::<Vec<_>>()
    })?;
    assert_eq!(actors.len(), 2);
    assert!(
        actors.iter().all(|a| a == &actor),
        "every local change carries the device's actor"
    );
    Ok(())
}

#[test]
fn database_runs_in_wal_with_full_sync() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let mode: String = store
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    let sync: i64 = store
        .conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))?;
    assert_eq!(mode, "wal");
    assert_eq!(
        sync, 2,
        "synchronous=FULL so acknowledged edits survive a power cut"
    );
    Ok(())
}

#[test]
fn meta_round_trips() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    assert_eq!(store.meta("server_url")?, None);
    store.set_meta("server_url", "https://office.example")?;
    store.set_meta("server_url", "https://office2.example")?;
    assert_eq!(
        store.meta("server_url")?.as_deref(),
        Some("https://office2.example")
    );
    Ok(())
}

#[test]
fn edits_append_chunks_and_compact_past_the_threshold() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = open_with(
        dir.path(),
        Options {
            compact_after: 8,
            ..Options::default()
        },
    )?;
    store.create(DocKind::Complaint, "c1", |d| put(d, "n", 0))?;
    let chunks = |s: &Store| -> anyhow::Result<(i64, i64)> {
        Ok(s.conn.query_row(
            "SELECT d.chunk_count, (SELECT count(*) FROM document_chunks c WHERE c.doc_no = d.doc_no)
             FROM documents d WHERE doc_id = 'c1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    };
    for i in 1..=7 {
        store.edit(DocKind::Complaint, "c1", |d| put(d, "n", i))?;
    }
    assert_eq!(chunks(&store)?, (7, 7), "each edit appends one chunk");
    store.edit(DocKind::Complaint, "c1", |d| put(d, "n", 8))?;
    assert_eq!(
        chunks(&store)?,
        (0, 0),
        "the 8th chunk triggers compaction in the same transaction"
    );
    for i in 9..=11 {
        store.edit(DocKind::Complaint, "c1", |d| put(d, "n", i))?;
    }
    drop(store);
    let mut store = open(dir.path())?;
    assert_eq!(chunks(&store)?, (3, 3));
    let (n, changes) = store.read(DocKind::Complaint, "c1", |d| {
        (get(d, "n"), d.get_changes(&[]).len())
    })?;
    assert_eq!(n, Some(11), "save + chunks load to the latest value");
    assert_eq!(changes, 12, "compaction keeps the full history");
    Ok(())
}

#[test]
fn a_failed_operation_stores_nothing_and_leaves_no_trace_in_memory() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = open(dir.path())?;
    store.create(DocKind::Complaint, "c1", |d| put(d, "n", 1))?;
    let err = store
        .edit(DocKind::Complaint, "c1", |d| {
            put(d, "n", 99).map_err(|e| std::io::Error::other(e.to_string()))?;
            Err::<(), _>(std::io::Error::other("consent missing"))
        })
        .unwrap_err();
    assert!(err.to_string().contains("complaint c1"), "{err}");
    assert!(err.to_string().contains("consent missing"), "{err}");
    let n = store.read(DocKind::Complaint, "c1", |d| get(d, "n"))?;
    assert_eq!(
        n,
        Some(1),
        "the refused edit must not show up, even from the cache"
    );
    Ok(())
}

#[test]
fn pending_mark_follows_edits_and_acknowledgements() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = open(dir.path())?;
    store.create(DocKind::Complaint, "c1", |d| put(d, "n", 1))?;
    store.edit(DocKind::Complaint, "c1", |d| put(d, "n", 2))?;
    let pending = store.pending()?;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].local_seq, 2);
    let (bytes, seq) = store.changes_for_server(DocKind::Complaint, "c1")?;
    assert!(!bytes.is_empty());
    // An edit lands while the upload is in flight: it must stay pending.
    store.edit(DocKind::Complaint, "c1", |d| put(d, "n", 3))?;
    let server = AutoCommit::load(&bytes)?.get_heads();
    store.acknowledge(DocKind::Complaint, "c1", &server, seq)?;
    assert_eq!(
        store.pending()?.len(),
        1,
        "the edit made during the upload is still pending"
    );
    assert_eq!(store.server_heads(DocKind::Complaint, "c1")?, server);
    let (rest, seq) = store.changes_for_server(DocKind::Complaint, "c1")?;
    let mut server_doc = AutoCommit::load(&bytes)?;
    server_doc.load_incremental(&rest)?;
    assert_eq!(
        get(server_doc.document(), "n"),
        Some(3),
        "only the missing change is sent"
    );
    store.acknowledge(DocKind::Complaint, "c1", &server_doc.get_heads(), seq)?;
    assert!(store.pending()?.is_empty(), "all acknowledged");
    Ok(())
}

#[test]
fn received_changes_merge_and_are_not_pending() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = open(dir.path())?;
    let mut office = AutoCommit::new();
    put(&mut office, "n", 7)?;
    store.receive(DocKind::Complaint, "c9", &office.save())?;
    assert!(
        store.pending()?.is_empty(),
        "what came from the server is not pending"
    );
    put(&mut office, "m", 8)?;
    store.receive(DocKind::Complaint, "c9", &office.save_incremental())?;
    let (n, m) = store.read(DocKind::Complaint, "c9", |d| (get(d, "n"), get(d, "m")))?;
    assert_eq!((n, m), (Some(7), Some(8)));
    Ok(())
}

#[test]
fn documents_new_to_the_device_load_on_every_core_and_store_as_one_by_one() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a)?;
    std::fs::create_dir_all(&b)?;
    let mut one_by_one = open(&a)?;
    let mut at_once = open(&b)?;
    let mut sent = Vec::new();
    for n in 0..40 {
        let mut office = AutoCommit::new();
        put(&mut office, "n", n)?;
        sent.push((format!("c{n}"), office.save()));
    }
    // One the device holds already, and one that does not decode.
    at_once.receive(DocKind::Complaint, "c0", &sent[0].1)?;
    one_by_one.receive(DocKind::Complaint, "c0", &sent[0].1)?;
    sent.push(("c-cut".into(), sent[1].1[..sent[1].1.len() / 2].to_vec()));
    let docs: Vec<(DocKind, &str, &[u8])> = sent
        .iter()
        .map(|(id, bytes)| (DocKind::Complaint, id.as_str(), bytes.as_slice()))
        .collect();

    let mut loaded = at_once.load_new(&docs)?;
    assert_eq!(
        loaded.len(),
        39,
        "every new document that decodes, loaded ahead"
    );
    assert!(!loaded.contains_key("c0") && !loaded.contains_key("c-cut"));
    for (kind, id, bytes) in &docs {
        let a = one_by_one
            .receive(*kind, id, bytes)
            .map_err(|e| e.to_string());
        let b = at_once
            .receive_loaded(*kind, id, bytes, loaded.remove(*id))
            .map_err(|e| e.to_string());
        assert_eq!(a, b, "{id}: the same outcome either way");
    }
    for n in 0..40 {
        let id = format!("c{n}");
        let a = one_by_one.read(DocKind::Complaint, &id, |d| (d.get_heads(), get(d, "n")))?;
        let b = at_once.read(DocKind::Complaint, &id, |d| (d.get_heads(), get(d, "n")))?;
        assert_eq!(a, b, "{id} stored alike");
        assert_eq!(b.1, Some(n));
    }
    assert!(at_once.pending()?.is_empty(), "received, so not pending");
    Ok(())
}

fn corrupt_first_chunk(store: &Store, how: &str) -> anyhow::Result<()> {
    let (seq, mut bytes): (i64, Vec<u8>) = store.conn.query_row(
        "SELECT seq, bytes FROM document_chunks ORDER BY seq LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match how {
        "truncate" => bytes.truncate(bytes.len() - 5),
        _ => {
            let last = bytes.len() - 3;
            bytes[last] ^= 0x40;
        }
    }
    store.conn.execute(
        "UPDATE document_chunks SET bytes = ?2 WHERE seq = ?1",
        rusqlite::params![seq, bytes],
    )?;
    Ok(())
}

#[test]
fn a_truncated_or_flipped_change_is_reported_with_its_id_and_kept_aside() -> anyhow::Result<()> {
    for how in ["truncate", "flip"] {
        let dir = tempfile::tempdir()?;
        {
            let mut store = open(dir.path())?;
            store.create(DocKind::Complaint, "c-broken", |d| put(d, "n", 1))?;
            store.edit(DocKind::Complaint, "c-broken", |d| put(d, "n", 2))?;
            store.create(DocKind::Complaint, "c-fine", |d| put(d, "n", 5))?;
            corrupt_first_chunk(&store, how)?;
        }
        let mut store = open(dir.path())?;
        let err = store
            .read(DocKind::Complaint, "c-broken", |d| get(d, "n"))
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, StoreError::CorruptDocument { .. }),
            "{how}: {msg}"
        );
        assert!(
            msg.contains("c-broken") && msg.contains("change #"),
            "{how}: {msg}"
        );
        let kept = store.quarantined_documents()?;
        assert_eq!(kept.len(), 1, "{how}: the damaged document is kept aside");
        assert_eq!(kept[0].doc_id, "c-broken");
        assert_eq!(kept[0].chunks.len(), 1, "{how}: its chunks are kept too");
        assert!(
            !store.contains("c-broken")?,
            "{how}: no longer served as live"
        );
        assert_eq!(
            store.read(DocKind::Complaint, "c-fine", |d| get(d, "n"))?,
            Some(5),
            "{how}: other documents are unaffected"
        );
        assert_eq!(store.integrity_check()?, "ok");
    }
    Ok(())
}

#[test]
fn a_truncated_save_is_reported_and_kept_aside() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let original = {
        let mut store = open(dir.path())?;
        store.create(DocKind::Complaint, "c1", |d| put(d, "n", 1))?;
        let save: Vec<u8> = store
            .conn
            .query_row("SELECT save FROM documents", [], |r| r.get(0))?;
        store.conn.execute(
            "UPDATE documents SET save = substr(save, 1, length(save) / 2)",
            [],
        )?;
        save
    };
    let mut store = open(dir.path())?;
    let err = store
        .edit(DocKind::Complaint, "c1", |d| put(d, "n", 2))
        .unwrap_err();
    assert!(err.to_string().contains("compacted save"), "{err}");
    let kept = store.quarantined_documents()?;
    assert_eq!(
        kept[0].save.len(),
        original.len() / 2,
        "the damaged bytes are kept as they were"
    );
    Ok(())
}

#[test]
fn a_full_disk_rolls_the_edit_back_and_says_so() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = open(dir.path())?;
    store.create(DocKind::Complaint, "c1", |d| put(d, "n", 1))?;
    let pages: i64 = store
        .conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))?;
    store.conn.pragma_update(None, "max_page_count", pages)?;
    let big = "x".repeat(64 * 1024);
    let err = store
        .edit(DocKind::Complaint, "c1", |d| {
            put(d, "n", 2)?;
            d.put(ROOT, "blob", big.as_str())
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::DiskFull { .. }),
        "a clear disk-full error: {err}"
    );
    assert!(err.to_string().contains("complaint c1"), "{err}");
    assert_eq!(
        store.read(DocKind::Complaint, "c1", |d| get(d, "n"))?,
        Some(1)
    );
    drop(store);
    let mut store = open(dir.path())?;
    assert_eq!(store.integrity_check()?, "ok");
    assert_eq!(
        store.read(DocKind::Complaint, "c1", |d| get(d, "n"))?,
        Some(1),
        "the data from before the failed write is intact"
    );
    store.edit(DocKind::Complaint, "c1", |d| put(d, "n", 3))?;
    assert_eq!(
        store.read(DocKind::Complaint, "c1", |d| get(d, "n"))?,
        Some(3),
        "space freed: edits work again"
    );
    Ok(())
}

#[test]
fn a_photo_cut_short_or_in_heic_is_refused_in_words_and_nothing_is_stored() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let img = image::RgbImage::from_fn(1200, 900, |x, y| {
        image::Rgb([(x / 5) as u8, (y / 4) as u8, 60])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img)?;
    let sos = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .ok_or_else(|| anyhow::anyhow!("no scan"))?;
    let data = sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]));
    for cut in [jpeg.len() / 2, jpeg.len() * 9 / 10, data + 16] {
        let err = store.add_photo(&jpeg[..cut]).unwrap_err();
        assert_eq!(err.code(), "errors.photo.incomplete", "cut at {cut}: {err}");
    }
    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    heic.resize(4096, 0);
    assert_eq!(
        store.add_photo(&heic).unwrap_err().code(),
        "errors.photo.heif"
    );
    assert_eq!(
        store
            .add_photo(b"GIF89a not a photo here")
            .unwrap_err()
            .code(),
        "errors.photo.unknown_format"
    );
    assert!(store.blobs_to_upload()?.is_empty(), "nothing was stored");
    let written = match std::fs::read_dir(store.blob_dir()) {
        Ok(entries) => entries.count(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e.into()),
    };
    assert_eq!(written, 0, "no file was written");
    // The whole photo goes in.
    store.add_photo(&jpeg)?;
    assert_eq!(store.blobs_to_upload()?.len(), 2);
    Ok(())
}

#[test]
fn photos_are_stored_by_hash_and_a_damaged_file_is_kept_aside() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let img = image::RgbImage::from_fn(2400, 1800, |x, y| {
        image::Rgb([(x / 10) as u8, (y / 10) as u8, 128])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img)?;
    let photo = store.add_photo(&jpeg)?;
    assert_eq!(photo.size, (1600, 1200));
    let bytes = store.read_blob(&photo.hash)?;
    assert_eq!(blobs::hash(&bytes), photo.hash);
    let path = blobs::path(store.blob_dir(), &photo.hash);
    assert!(path.ends_with(format!("{}/{}", &photo.hash[..2], photo.hash)));
    let thumb = store
        .blob_meta(&photo.thumbnail)?
        .ok_or_else(|| anyhow::anyhow!("no thumbnail row"))?;
    assert_eq!((thumb.width, thumb.height), (Some(320), Some(240)));
    assert_eq!(thumb.derived_from.as_deref(), Some(photo.hash.as_str()));
    assert_eq!(store.blobs_to_upload()?.len(), 2);
    store.mark_blob_uploaded(&photo.hash)?;
    assert_eq!(store.blobs_to_upload()?.len(), 1);
    // The same photo again: same hash, no second row.
    assert_eq!(store.add_photo(&jpeg)?, photo);

    std::fs::write(&path, &bytes[..bytes.len() / 2])?;
    let err = store.read_blob(&photo.hash).unwrap_err();
    let StoreError::CorruptBlob { hash, kept_at, .. } = &err else {
        anyhow::bail!("expected a corrupt blob error, got {err}");
    };
    assert_eq!(hash, &photo.hash, "the error names the blob");
    assert_eq!(
        std::fs::read(kept_at)?.len(),
        bytes.len() / 2,
        "the damaged file is kept, not dropped"
    );
    assert!(!path.exists());
    let rows: i64 = store
        .conn
        .query_row("SELECT count(*) FROM quarantined_blobs", [], |r| r.get(0))?;
    assert_eq!(rows, 1);
    // Adding the photo again repairs the blob.
    store.add_photo(&jpeg)?;
    assert_eq!(store.read_blob(&photo.hash)?, bytes);
    Ok(())
}

#[test]
fn signatures_keep_strokes_and_a_rendered_png() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let json = br#"{"width": 200, "height": 80, "strokes": [[{"x": 10, "y": 40, "time": 1}, {"x": 190, "y": 40, "time": 30}]]}"#;
    let sig = store.add_signature(json)?;
    let strokes = signature::Strokes::from_json(&store.read_blob(&sig.strokes)?)?;
    assert_eq!(strokes.strokes[0].len(), 2);
    let png = store.read_blob(&sig.png)?;
    assert_eq!(
        png,
        strokes.render_png()?,
        "the PNG is what the stored strokes render to"
    );
    assert_eq!(store.add_signature(json)?, sig, "idempotent");
    Ok(())
}

#[test]
fn unknown_documents_and_wrong_kinds_are_clear_errors() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = open(dir.path())?;
    let err = store.read(DocKind::Order, "nope", |_| ()).unwrap_err();
    assert_eq!(err.to_string(), "order nope is not on this device");
    store.create(DocKind::Complaint, "c1", |d| put(d, "n", 1))?;
    let err = store.read(DocKind::Order, "c1", |_| ()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKind { .. }), "{err}");
    let err = store
        .create(DocKind::Complaint, "c1", |d| put(d, "n", 1))
        .unwrap_err();
    assert!(matches!(err, StoreError::DocumentExists { .. }), "{err}");
    Ok(())
}

#[test]
fn a_batch_commits_all_or_nothing() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut store = open(dir.path())?;
    store.batch(|s| {
        s.create(DocKind::Complaint, "a", |d| put(d, "n", 1))?;
        s.edit(DocKind::Complaint, "a", |d| put(d, "n", 2))
    })?;
    assert_eq!(
        store.read(DocKind::Complaint, "a", |d| get(d, "n"))?,
        Some(2)
    );
    let err = store.batch(|s| {
        s.create(DocKind::Complaint, "b", |d| put(d, "n", 1))?;
        s.edit(DocKind::Complaint, "a", |d| put(d, "n", 3))?;
        s.read(DocKind::Complaint, "missing", |_| ())
    });
    assert!(err.is_err());
    assert!(!store.contains("b")?, "a failed batch stores nothing");
    assert_eq!(
        store.read(DocKind::Complaint, "a", |d| get(d, "n"))?,
        Some(2),
        "and leaves no unsaved edit in the cache"
    );
    store.edit(DocKind::Complaint, "a", |d| put(d, "n", 4))?;
    assert_eq!(
        store.read(DocKind::Complaint, "a", |d| get(d, "n"))?,
        Some(4)
    );
    Ok(())
}

#[test]
fn the_store_can_live_in_the_app_state() {
    // src-tauri keeps it in a Mutex inside Tauri's managed state, which needs Send.
    fn assert_send<T: Send + 'static>() {}
    assert_send::<Store>();
}
