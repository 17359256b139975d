//! The device store: one SQLite database (WAL, `synchronous=FULL`, migrated on open) plus
//! a blob folder beside it. [`Store`] is the only writer; it owns the connection, an
//! in-memory cache of loaded documents and the device's Automerge actor.
//!
//! The table code lives one file per table or aggregate (`documents`, `orders`,
//! `search`, `stock`, `blobs`, `meta`); those functions take a `&Connection`, so the
//! same accessor works on the store's connection and inside a transaction (a
//! `rusqlite::Transaction` derefs to a `Connection`).

mod blob_refs;
pub mod blobs;
pub mod clocks;
pub mod customers;
pub mod documents;
mod domain;
pub mod meta;
pub mod orders;
mod receive_new;
mod restore;
pub(crate) mod schema;
pub mod search;
pub mod stock;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use automerge::{ActorId, AutoCommit, Automerge, ChangeHash};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::error::{db_error, Doing, StoreError};
use crate::media::{photo, signature};
use crate::projection::{self, Projection, Projector};
use documents::{DocKind, DocRow};

pub use blob_refs::{BlobRole, WantedBlob};
pub use receive_new::Loaded;

/// Tuning knobs; the defaults suit a phone.
#[derive(Debug, Clone)]
pub struct Options {
    /// Compact a document (fresh save, chunks dropped) once it has this many chunks.
    pub compact_after: i64,
    /// Keep at most this many loaded documents in memory.
    pub cache_size: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            compact_after: 64,
            cache_size: 256,
        }
    }
}

/// A loaded document and the row version it was loaded at.
struct Cached {
    doc: AutoCommit,
    row: DocRow,
}

/// A document waiting to be synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingDoc {
    /// The document's id.
    pub doc_id: String,
    /// Its kind.
    pub kind: String,
    /// Local edits made so far; pass it back to [`Store::acknowledge`].
    pub local_seq: i64,
}

/// A stored photo: the downscaled JPEG and its thumbnail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoRef {
    /// SHA-256 of the photo.
    pub hash: String,
    /// SHA-256 of the thumbnail.
    pub thumbnail: String,
    /// Pixel width and height of the photo.
    pub size: (u32, u32),
}

/// A stored signature: its strokes and the PNG rendered from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureRef {
    /// SHA-256 of the canonical stroke JSON (what the order references).
    pub strokes: String,
    /// SHA-256 of the rendered PNG.
    pub png: String,
}

/// Bumped whenever projections gain columns, so existing installs rebuild them on open.
const PROJECTION_VERSION: &str = "4";
const PROJECTION_VERSION_KEY: &str = "projection_version";

/// The device's local database.
pub struct Store {
    conn: Connection,
    blob_dir: PathBuf,
    actor: ActorId,
    cache: HashMap<String, Cached>,
    options: Options,
    projector: Projector,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Store {
    /// Opens (creating if needed) the database at `path`, in WAL mode with
    /// `synchronous=FULL` so an acknowledged write survives a power cut, and migrates it.
    /// Blobs live in `blobs/` in the same folder.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Options::default())
    }

    /// [`Store::open`] with explicit options.
    pub fn open_with(path: &Path, options: Options) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .and_then(|_| conn.pragma_update(None, "synchronous", "FULL"))
            .and_then(|_| conn.pragma_update(None, "foreign_keys", "ON"))
            .and_then(|_| conn.busy_timeout(std::time::Duration::from_secs(5)))
            .doing(|| format!("configuring the device database at {}", path.display()))?;
        schema::migrations().to_latest(&mut conn)?;
        let actor = meta::actor_id(&conn)?;
        let blob_dir = path
            .parent()
            .map(|p| p.join("blobs"))
            .unwrap_or_else(|| PathBuf::from("blobs"));
        let mut store = Self {
            conn,
            blob_dir,
            actor,
            cache: HashMap::new(),
            options,
            projector: Projector::default(),
        };
        // The stored rows were computed with the company rules of the last reference
        // data (see `sync_client::apply_company_rules`); go on with the same ones.
        match crate::sync_client::company_rules(&store) {
            Ok(rules) => store.projector.rules = rules,
            Err(err) => {
                tracing::warn!(%err, "stored reference data unreadable; using the regulation's figures")
            }
        }
        if store.meta(PROJECTION_VERSION_KEY)?.as_deref() != Some(PROJECTION_VERSION) {
            // A newer build projects more columns: refill them from the documents. A
            // document that cannot be projected is kept aside by the rebuild itself.
            let failed = store.rebuild_projections()?;
            if !failed.is_empty() {
                tracing::warn!(
                    count = failed.len(),
                    "documents kept aside while rebuilding projections"
                );
            }
            store.set_meta(PROJECTION_VERSION_KEY, PROJECTION_VERSION)?;
        }
        Ok(store)
    }

    /// The connection, for read-only queries the store has no accessor for yet. Writes
    /// must go through the store so projections stay in step.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Runs `PRAGMA integrity_check`; `"ok"` when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .doing(|| "checking database integrity".into())
    }

    /// Reads a device setting, such as the server address the user signed in to.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        meta::get(&self.conn, key)
    }

    /// Writes a device setting in its own transaction.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        meta::set(&self.conn, key, value)
    }

    /// Removes a device setting.
    pub fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        meta::delete(&self.conn, key)
    }

    /// The device's stable id, created on first use and kept for the life of the install.
    pub fn device_id(&self) -> Result<String, StoreError> {
        meta::device_id(&self.conn)
    }

    /// The device's Automerge actor id, created once and kept; every local change
    /// carries it.
    pub fn actor_id(&self) -> &ActorId {
        &self.actor
    }

    /// The folder blobs are kept in.
    pub fn blob_dir(&self) -> &Path {
        &self.blob_dir
    }

    /// Replaces the settings and calendar the projections evaluate SLA clocks with.
    /// Call [`Store::rebuild_projections`] afterwards to apply them to stored rows.
    pub fn set_projector(&mut self, projector: Projector) {
        self.projector = projector;
    }

    /// The settings and calendar the projections use now.
    pub fn projector(&self) -> &Projector {
        &self.projector
    }

    // ---- documents -------------------------------------------------------------

    /// Creates a document: `init` fills a fresh Automerge document (made with this
    /// device's actor), and one transaction stores it, its projection rows and its
    /// pending mark.
    #[tracing::instrument(skip_all, fields(kind = %kind, id = %id))]
    pub fn create<R, E>(
        &mut self,
        kind: DocKind,
        id: &str,
        init: impl FnOnce(&mut AutoCommit) -> Result<R, E>,
    ) -> Result<R, StoreError>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.create_inner(kind, id, init, |e| StoreError::Operation {
            kind: kind.as_str(),
            id: id.into(),
            source: e.into(),
        })
    }

    pub(crate) fn create_inner<R, E>(
        &mut self,
        kind: DocKind,
        id: &str,
        init: impl FnOnce(&mut AutoCommit) -> Result<R, E>,
        refused: impl FnOnce(E) -> StoreError,
    ) -> Result<R, StoreError> {
        if documents::find(&self.conn, id)?.is_some() {
            return Err(StoreError::DocumentExists {
                kind: kind.as_str(),
                id: id.into(),
            });
        }
        let mut doc = AutoCommit::new().with_actor(self.actor.clone());
        let out = init(&mut doc).map_err(refused)?;
        doc.commit();
        let proj = self.project(kind, id, doc.document())?;
        let save = doc.save();
        let now = now_ms();
        let tx = begin(&mut self.conn, || format!("creating {kind} {id}"))?;
        let doc_no = documents::insert(&tx, id, kind, &save, true, now)?;
        write_projection(&tx, doc_no, &proj)?;
        tx.commit()
            .map_err(|e| db_error(format!("committing new {kind} {id}"), e))?;
        let row = documents::find(&self.conn, id)?.ok_or_else(|| StoreError::DocumentNotFound {
            kind: kind.as_str(),
            id: id.into(),
        })?;
        self.cache_put(id, Cached { doc, row });
        Ok(out)
    }

    /// Applies a local edit: `op` changes the document (a domain operation from
    /// onsite-core), and one SQLite transaction stores the new change, the projection
    /// rows and the pending mark, compacting the document if its chunks pass the
    /// threshold. When this returns `Ok`, the edit is durable. When it returns `Err`,
    /// nothing was stored.
    #[tracing::instrument(skip_all, fields(kind = %kind, id = %id))]
    pub fn edit<R, E>(
        &mut self,
        kind: DocKind,
        id: &str,
        op: impl FnOnce(&mut AutoCommit) -> Result<R, E>,
    ) -> Result<R, StoreError>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        self.edit_inner(
            kind,
            id,
            op,
            |e| StoreError::Operation {
                kind: kind.as_str(),
                id: id.into(),
                source: e.into(),
            },
            |_, _| None,
        )
    }

    pub(crate) fn edit_inner<R, E>(
        &mut self,
        kind: DocKind,
        id: &str,
        op: impl FnOnce(&mut AutoCommit) -> Result<R, E>,
        refused: impl FnOnce(E) -> StoreError,
        typed: impl FnOnce(&R, &Projector) -> Option<Projection>,
    ) -> Result<R, StoreError> {
        // Taken out of the cache: it only goes back once the edit is committed, so a
        // failure anywhere leaves no unsaved change in memory.
        let mut cached = self.take(kind, id)?;
        let before = cached.doc.get_heads();
        let out = op(&mut cached.doc).map_err(refused)?;
        cached.doc.commit();
        let changes: Vec<Vec<u8>> = cached
            .doc
            .get_changes(&before)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        if changes.is_empty() {
            self.cache_put(id, cached);
            return Ok(out);
        }
        // The typed path hands over the document it already hydrated: no second read.
        let proj = typed(&out, &self.projector);
        self.store_changes(kind, id, cached, &changes, true, proj)?;
        Ok(out)
    }

    /// Merges changes received from the server (any Automerge save or change bytes),
    /// creating the document if this device does not have it yet. Stored and projected
    /// like a local edit, but not marked pending.
    #[tracing::instrument(skip_all, fields(kind = %kind, id = %id, bytes = bytes.len()))]
    pub fn receive(&mut self, kind: DocKind, id: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.receive_loaded(kind, id, bytes, None)
    }

    /// [`Store::receive`], with the work for a document new to this device possibly done
    /// already by [`Store::load_new`].
    pub fn receive_loaded(
        &mut self,
        kind: DocKind,
        id: &str,
        bytes: &[u8],
        loaded: Option<Loaded>,
    ) -> Result<(), StoreError> {
        let existing = match self.take(kind, id) {
            Ok(cached) => Some(cached),
            Err(StoreError::DocumentNotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        let am_err = |source| StoreError::Automerge {
            doing: "merging received changes into",
            id: id.into(),
            source: Box::new(source),
        };
        match existing {
            Some(mut cached) => {
                let before = cached.doc.get_heads();
                cached.doc.load_incremental(bytes).map_err(am_err)?;
                let changes: Vec<Vec<u8>> = cached
                    .doc
                    .get_changes(&before)
                    .iter()
                    .map(|c| c.raw_bytes().to_vec())
                    .collect();
                if changes.is_empty() {
                    self.cache_put(id, cached);
                    return Ok(());
                }
                self.store_changes(kind, id, cached, &changes, false, None)
            }
            None => {
                let (save, proj) = match loaded {
                    Some(l) => (l.save, l.projection),
                    None => {
                        let mut doc = AutoCommit::new().with_actor(self.actor.clone());
                        doc.load_incremental(bytes).map_err(am_err)?;
                        let proj =
                            project_or_skip(&self.projector, kind, id, doc.document(), true)?;
                        (doc.save(), proj)
                    }
                };
                let tx = begin(&mut self.conn, || format!("storing received {kind} {id}"))?;
                let doc_no = documents::insert(&tx, id, kind, &save, false, now_ms())?;
                write_projection(&tx, doc_no, &proj)?;
                tx.commit()
                    .map_err(|e| db_error(format!("committing received {kind} {id}"), e))?;
                Ok(())
            }
        }
    }

    /// The common tail of an edit or a receive: one transaction for the chunks, the
    /// projection rows, the pending mark and, past the threshold, the compaction.
    fn store_changes(
        &mut self,
        kind: DocKind,
        id: &str,
        mut cached: Cached,
        changes: &[Vec<u8>],
        local: bool,
        proj: Option<Projection>,
    ) -> Result<(), StoreError> {
        let proj = match proj {
            Some(p) => p,
            None => project_or_skip(&self.projector, kind, id, cached.doc.document(), !local)?,
        };
        let now = now_ms();
        let tx = begin(&mut self.conn, || format!("editing {kind} {id}"))?;
        let chunk_count = documents::append_changes(
            &tx,
            &cached.row,
            cached.row.next_chunk,
            changes,
            local,
            now,
        )?
        .ok_or_else(|| StoreError::Stale {
            kind: kind.as_str(),
            id: id.into(),
        })?;
        write_projection(&tx, cached.row.doc_no, &proj)?;
        let compacted = chunk_count >= self.options.compact_after;
        if compacted {
            let save = cached.doc.save();
            documents::compact(&tx, &cached.row, &save)?;
        }
        tx.commit()
            .map_err(|e| db_error(format!("committing edit of {kind} {id}"), e))?;
        let n = changes.len() as i64;
        cached.row.next_chunk += n;
        cached.row.chunk_count = if compacted { 0 } else { chunk_count };
        if local {
            cached.row.local_seq += 1;
            cached.row.pending = true;
        }
        self.cache_put(id, cached);
        Ok(())
    }

    /// Runs several creates and edits in one SQLite transaction (each becomes a
    /// savepoint): for seeding, imports and first syncs, where one fsync per edit would
    /// dominate. Nothing in the batch is durable until it returns `Ok`; on `Err` all of
    /// it is rolled back and the document cache is dropped.
    pub fn batch<R>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .doing(|| "starting a batch".into())?;
        let out = f(self);
        let end = match &out {
            Ok(_) => self.conn.execute_batch("COMMIT"),
            Err(_) => self.conn.execute_batch("ROLLBACK"),
        };
        if out.is_err() || end.is_err() {
            if !self.conn.is_autocommit() {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
            self.cache.clear();
        }
        let out = out?;
        end.map_err(|e| db_error("committing a batch".into(), e))?;
        Ok(out)
    }

    /// Reads a document: `f` gets the Automerge document (e.g. to hydrate it with
    /// onsite-core's types).
    pub fn read<R>(
        &mut self,
        kind: DocKind,
        id: &str,
        f: impl FnOnce(&Automerge) -> R,
    ) -> Result<R, StoreError> {
        let mut cached = self.take(kind, id)?;
        let out = f(cached.doc.document());
        self.cache_put(id, cached);
        Ok(out)
    }

    /// Removes a document that left this user's scope (an order reassigned to someone
    /// else) and keeps a note of why. Refused while the document has unsent edits: those
    /// must reach the server first. Returns false if there was no such document.
    pub fn remove(&mut self, id: &str, reason: &str) -> Result<bool, StoreError> {
        let Some(row) = documents::find(&self.conn, id)? else {
            return Ok(false);
        };
        if self.pending()?.iter().any(|p| p.doc_id == id) {
            return Err(StoreError::PendingChanges { id: id.to_string() });
        }
        let label = self
            .order_row(id)?
            .map(|r| r.number)
            .unwrap_or_else(|| id.to_string());
        let now_ms = chrono::Utc::now().timestamp_millis();
        documents::remove(&self.conn, &row, &label, reason, now_ms)?;
        self.cache.remove(id);
        Ok(true)
    }

    /// Erases everything this device holds (documents, projections, blobs, settings) and
    /// starts over as a fresh install with a new device id and actor, for signing out.
    /// The caller decides whether unsent work may go; this does not ask.
    pub fn wipe(&mut self) -> Result<(), StoreError> {
        let tables: Vec<String> = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'order_search_%'",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()
            })
            .doing(|| "listing tables to wipe".to_string())?;
        self.batch(|s| {
            for table in &tables {
                s.conn
                    .execute(&format!("DELETE FROM \"{table}\""), [])
                    .doing(|| format!("wiping table {table}"))?;
            }
            Ok(())
        })?;
        match std::fs::remove_dir_all(&self.blob_dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StoreError::BlobIo {
                    doing: "wiping",
                    hash: "*".into(),
                    path: self.blob_dir.clone(),
                    source,
                })
            }
        }
        self.cache.clear();
        self.actor = meta::actor_id(&self.conn)?;
        Ok(())
    }

    /// Why a document is no longer on this device, if it was removed.
    pub fn removed_note(&self, id: &str) -> Result<Option<documents::Removed>, StoreError> {
        documents::removed(&self.conn, id)
    }

    /// Whether a document is stored.
    pub fn contains(&self, id: &str) -> Result<bool, StoreError> {
        Ok(documents::find(&self.conn, id)?.is_some())
    }

    /// The document's ids of one kind.
    pub fn document_ids(&self, kind: DocKind) -> Result<Vec<String>, StoreError> {
        Ok(documents::list(&self.conn, Some(kind))?
            .into_iter()
            .map(|r| r.doc_id)
            .collect())
    }

    /// Documents with local edits not yet acknowledged by the server.
    pub fn pending(&self) -> Result<Vec<PendingDoc>, StoreError> {
        Ok(documents::pending(&self.conn)?
            .into_iter()
            .map(|r| PendingDoc {
                doc_id: r.doc_id,
                kind: r.kind,
                local_seq: r.local_seq,
            })
            .collect())
    }

    /// The heads the server last acknowledged for a document.
    pub fn server_heads(&self, kind: DocKind, id: &str) -> Result<Vec<ChangeHash>, StoreError> {
        let row = self.row(kind, id)?;
        documents::server_heads(&self.conn, &row)
    }

    /// The changes the server lacks (everything after its acknowledged heads), and the
    /// `local_seq` they cover, to pass to [`Store::acknowledge`] once the server has them.
    pub fn changes_for_server(
        &mut self,
        kind: DocKind,
        id: &str,
    ) -> Result<(Vec<u8>, i64), StoreError> {
        let heads = self.server_heads(kind, id)?;
        let mut cached = self.take(kind, id)?;
        let bytes = cached.doc.save_after(&heads);
        let seq = cached.row.local_seq;
        self.cache_put(id, cached);
        Ok((bytes, seq))
    }

    /// Records that the server holds `heads` and the local edits up to `acked_seq`;
    /// the pending mark clears unless edits were made since.
    pub fn acknowledge(
        &mut self,
        kind: DocKind,
        id: &str,
        heads: &[ChangeHash],
        acked_seq: i64,
    ) -> Result<(), StoreError> {
        let row = self.row(kind, id)?;
        documents::acknowledge(&self.conn, &row, heads, acked_seq)?;
        self.cache.remove(id);
        Ok(())
    }

    /// Makes the next push of this document carry all of its changes: the server could
    /// not read (or lacked the base of) the last one. Nothing local changes, and the
    /// document stays pending until the server accepts it.
    pub fn resend_whole(&mut self, kind: DocKind, id: &str) -> Result<(), StoreError> {
        let row = self.row(kind, id)?;
        documents::forget_server_heads(&self.conn, &row)?;
        self.cache.remove(id);
        Ok(())
    }

    /// Documents kept aside because they failed to decode.
    pub fn quarantined_documents(&self) -> Result<Vec<documents::Quarantined>, StoreError> {
        documents::quarantined(&self.conn)
    }

    /// Drops and rebuilds every projection (order list, search, stock) from the
    /// documents alone, in one transaction. A document that fails to decode is moved
    /// to quarantine and reported in the returned list; the rest are rebuilt.
    #[tracing::instrument(skip_all)]
    pub fn rebuild_projections(&mut self) -> Result<Vec<StoreError>, StoreError> {
        self.cache.clear();
        let rows = documents::list(&self.conn, None)?;
        let mut problems = Vec::new();
        let tx = begin(&mut self.conn, || "rebuilding projections".into())?;
        tx.execute_batch(
            "DELETE FROM orders; DELETE FROM order_search;
             DELETE FROM stock_movements; DELETE FROM stock_balances; DELETE FROM sla_clocks;
             DELETE FROM customer_orders;",
        )
        .doing(|| "clearing projections for a rebuild".into())?;
        for row in rows {
            let (save, chunks) = documents::raw(&tx, &row)?;
            let mut doc = match documents::decode(&save, &chunks) {
                Ok(doc) => doc,
                Err(detail) => {
                    let q = documents::quarantine(&tx, &row, &detail, now_ms())?;
                    problems.push(corrupt(&row, detail, q));
                    continue;
                }
            };
            let kind = DocKind::parse(&row.kind).ok_or_else(|| StoreError::WrongKind {
                id: row.doc_id.clone(),
                expected: "known kind",
                found: row.kind.clone(),
            })?;
            let proj = project_or_skip(&self.projector, kind, &row.doc_id, doc.document(), true)?;
            write_projection(&tx, row.doc_no, &proj)?;
        }
        tx.commit()
            .map_err(|e| db_error("committing rebuilt projections".into(), e))?;
        Ok(problems)
    }

    // ---- projections -----------------------------------------------------------

    /// The order list, filtered and sorted soonest-due first.
    pub fn order_list(
        &self,
        filter: &orders::OrderFilter,
    ) -> Result<Vec<orders::OrderRow>, StoreError> {
        orders::list(&self.conn, filter)
    }

    /// Every running SLA clock matching `filter`, soonest deadline first (the SLA board).
    pub fn running_clocks(
        &self,
        filter: &clocks::ClockFilter,
    ) -> Result<Vec<clocks::ClockRow>, StoreError> {
        clocks::running(&self.conn, filter)
    }

    /// The customer rows of every order whose customer is long-term or key (with
    /// `phone`: of every order of that customer), for the follow-up queue.
    pub fn customer_orders(
        &self,
        phone: Option<&str>,
    ) -> Result<Vec<onsite_core::follow_ups::CustomerOrder>, StoreError> {
        customers::followed(&self.conn, phone)
    }

    /// The customer rows of every customer a search for `digits` (in the phone) or
    /// `name` may find (`onsite_core::customers::search` decides).
    pub fn customer_candidates(
        &self,
        digits: &str,
        name: &str,
    ) -> Result<Vec<onsite_core::follow_ups::CustomerOrder>, StoreError> {
        customers::candidates(&self.conn, digits, name)
    }

    /// Ids of the orders about a product: the same serial, or without one the same
    /// customer phone (for the repeat-repair warranty at intake).
    pub fn orders_about_product(
        &self,
        serial: &str,
        phone: &str,
    ) -> Result<Vec<String>, StoreError> {
        orders::about_product(&self.conn, serial, phone)
    }

    /// One order's list row.
    pub fn order_row(&self, order_id: &str) -> Result<Option<orders::OrderRow>, StoreError> {
        orders::get(&self.conn, order_id)
    }

    /// Full-text search over the order list (customer, phone, address, model, serial,
    /// order number), Chinese or Latin.
    pub fn search_orders(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<orders::OrderRow>, StoreError> {
        orders::list(
            &self.conn,
            &orders::OrderFilter {
                text: Some(text.into()),
                limit,
                ..Default::default()
            },
        )
    }

    /// Stock balances at a location (e.g. this technician's van).
    pub fn stock_balances(&self, location: &str) -> Result<Vec<stock::Balance>, StoreError> {
        stock::balances(&self.conn, location)
    }

    // ---- blobs -------------------------------------------------------------------

    /// Processes and stores a photo: downscaled JPEG without EXIF plus a thumbnail.
    #[tracing::instrument(skip_all, fields(bytes = input.len()))]
    pub fn add_photo(&self, input: &[u8]) -> Result<PhotoRef, StoreError> {
        let p = photo::process(input)?;
        let now = now_ms();
        let hash = blobs::put(
            &self.conn,
            &self.blob_dir,
            &p.jpeg,
            blobs::NewBlob {
                kind: blobs::BlobKind::Photo,
                media_type: "image/jpeg",
                size: Some(p.size),
                derived_from: None,
            },
            now,
        )?;
        let thumbnail = blobs::put(
            &self.conn,
            &self.blob_dir,
            &p.thumbnail,
            blobs::NewBlob {
                kind: blobs::BlobKind::Thumbnail,
                media_type: "image/jpeg",
                size: Some(p.thumbnail_size),
                derived_from: Some(&hash),
            },
            now,
        )?;
        Ok(PhotoRef {
            hash,
            thumbnail,
            size: p.size,
        })
    }

    /// Stores a signature's strokes (canonical JSON) and the PNG rendered from them.
    #[tracing::instrument(skip_all)]
    pub fn add_signature(&self, strokes_json: &[u8]) -> Result<SignatureRef, StoreError> {
        let strokes = signature::Strokes::from_json(strokes_json)?;
        let png = strokes.render_png()?;
        let now = now_ms();
        let strokes_hash = blobs::put(
            &self.conn,
            &self.blob_dir,
            &strokes.to_json(),
            blobs::NewBlob {
                kind: blobs::BlobKind::SignatureStrokes,
                media_type: "application/json",
                size: Some((strokes.width, strokes.height)),
                derived_from: None,
            },
            now,
        )?;
        let png = blobs::put(
            &self.conn,
            &self.blob_dir,
            &png,
            blobs::NewBlob {
                kind: blobs::BlobKind::SignaturePng,
                media_type: "image/png",
                size: Some((strokes.width, strokes.height)),
                derived_from: Some(&strokes_hash),
            },
            now,
        )?;
        Ok(SignatureRef {
            strokes: strokes_hash,
            png,
        })
    }

    /// The blob of `kind` made from `hash` (a photo's thumbnail, a signature's PNG).
    pub fn derived_blob(&self, hash: &str, kind: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT hash FROM blobs WHERE derived_from = ?1 AND kind = ?2",
                [hash, kind],
                |r| r.get(0),
            )
            .optional()
            .doing(|| format!("looking up the {kind} of blob {hash}"))
    }

    /// Reads a blob, checking its hash; a damaged file is moved aside and reported.
    pub fn read_blob(&self, hash: &str) -> Result<Vec<u8>, StoreError> {
        blobs::read(&self.conn, &self.blob_dir, hash, now_ms())
    }

    /// A blob's metadata.
    pub fn blob_meta(&self, hash: &str) -> Result<Option<blobs::BlobMeta>, StoreError> {
        blobs::meta(&self.conn, hash)
    }

    /// Blobs the server does not have yet.
    pub fn blobs_to_upload(&self) -> Result<Vec<blobs::BlobMeta>, StoreError> {
        blobs::not_uploaded(&self.conn)
    }

    /// Records that the server has a blob.
    pub fn mark_blob_uploaded(&self, hash: &str) -> Result<(), StoreError> {
        blobs::mark_uploaded(&self.conn, hash)
    }

    // ---- internals ---------------------------------------------------------------

    fn project(&self, kind: DocKind, id: &str, doc: &Automerge) -> Result<Projection, StoreError> {
        project_or_skip(&self.projector, kind, id, doc, false)
    }

    fn row(&self, kind: DocKind, id: &str) -> Result<DocRow, StoreError> {
        let row = documents::find(&self.conn, id)?.ok_or_else(|| StoreError::DocumentNotFound {
            kind: kind.as_str(),
            id: id.into(),
        })?;
        if row.kind != kind.as_str() {
            return Err(StoreError::WrongKind {
                id: id.into(),
                expected: kind.as_str(),
                found: row.kind,
            });
        }
        Ok(row)
    }

    /// Takes a document out of the cache, or loads it from disk. A document that fails
    /// to decode is moved to quarantine in its own transaction and reported.
    fn take(&mut self, kind: DocKind, id: &str) -> Result<Cached, StoreError> {
        if let Some(cached) = self.cache.remove(id) {
            if cached.row.kind == kind.as_str() {
                return Ok(cached);
            }
            let found = cached.row.kind.clone();
            self.cache.insert(id.into(), cached);
            return Err(StoreError::WrongKind {
                id: id.into(),
                expected: kind.as_str(),
                found,
            });
        }
        let row = self.row(kind, id)?;
        let (save, chunks) = documents::raw(&self.conn, &row)?;
        match documents::decode(&save, &chunks) {
            Ok(mut doc) => {
                doc.set_actor(self.actor.clone());
                Ok(Cached { doc, row })
            }
            Err(detail) => {
                tracing::error!(kind = %kind, id, %detail, "document does not decode; moving it aside");
                let tx = begin(&mut self.conn, || {
                    format!("moving damaged {kind} {id} aside")
                })?;
                let q = documents::quarantine(&tx, &row, &detail, now_ms())?;
                tx.commit()
                    .map_err(|e| db_error(format!("moving damaged {kind} {id} aside"), e))?;
                Err(corrupt(&row, detail, q))
            }
        }
    }

    fn cache_put(&mut self, id: &str, cached: Cached) {
        if self.cache.len() >= self.options.cache_size && !self.cache.contains_key(id) {
            if let Some(victim) = self.cache.keys().next().cloned() {
                self.cache.remove(&victim);
            }
        }
        self.cache.insert(id.to_owned(), cached);
    }
}

/// A write transaction: a real one, or a savepoint when the store is inside
/// [`Store::batch`]. Either derefs to the `Connection` the table accessors take.
enum Tx<'c> {
    Top(rusqlite::Transaction<'c>),
    Nested(rusqlite::Savepoint<'c>),
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Tx::Top(t) => t,
            Tx::Nested(s) => s,
        }
    }
}

impl Tx<'_> {
    fn commit(self) -> rusqlite::Result<()> {
        match self {
            Tx::Top(t) => t.commit(),
            Tx::Nested(s) => s.commit(),
        }
    }
}

/// Starts an immediate (write-locking) transaction, or a savepoint inside a batch.
fn begin(conn: &mut Connection, doing: impl FnOnce() -> String) -> Result<Tx<'_>, StoreError> {
    if conn.is_autocommit() {
        conn.transaction_with_behavior(TransactionBehavior::Immediate)
            .map(Tx::Top)
            .doing(doing)
    } else {
        conn.savepoint().map(Tx::Nested).doing(doing)
    }
}

fn corrupt(row: &DocRow, detail: String, quarantine_id: i64) -> StoreError {
    StoreError::CorruptDocument {
        kind: row.kind.clone(),
        id: row.doc_id.clone(),
        detail,
        quarantine_id,
    }
}

/// Projects a document. With `tolerate_new`, a document written by a newer Onsite
/// (received from the server) is stored without projection rows instead of refused.
fn project_or_skip(
    projector: &Projector,
    kind: DocKind,
    id: &str,
    doc: &Automerge,
    tolerate_new: bool,
) -> Result<Projection, StoreError> {
    match projection::project(projector, kind, doc) {
        Ok(p) => Ok(p),
        Err(projection::ProjectError::TooNew(e)) if tolerate_new => {
            tracing::warn!(kind = %kind, id, err = %e, "document from a newer Onsite: not listed");
            Ok(Projection::default())
        }
        Err(e) => Err(StoreError::Projection {
            kind: kind.as_str(),
            id: id.into(),
            detail: e.to_string(),
        }),
    }
}

/// Writes a document's projection rows (inside the caller's transaction).
fn write_projection(conn: &Connection, doc_no: i64, proj: &Projection) -> Result<(), StoreError> {
    if let Some(order) = &proj.order {
        orders::upsert(conn, doc_no, order)?;
        search::upsert(conn, doc_no, order)?;
    }
    clocks::replace(conn, doc_no, &proj.clocks)?;
    if let Some(customer) = &proj.customer {
        customers::upsert(conn, doc_no, customer)?;
    }
    stock::replace(conn, doc_no, &proj.movements)
}

#[cfg(test)]
mod tests;
