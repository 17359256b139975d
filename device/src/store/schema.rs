//! The device database schema as an ordered list of migrations. Never edit a shipped
//! migration: add a new one. Tables are STRICT; projections can be dropped and rebuilt
//! from `documents` + `document_chunks` at any time.

use rusqlite_migration::{Migrations, M};

/// Every migration, oldest first.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up("CREATE TABLE device_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"),
        M::up(DOCUMENTS),
        M::up(PROJECTIONS),
        M::up(BLOBS),
        M::up(REMOVED),
        M::up(ORDER_LIST_V2),
        M::up(BLOB_REFS),
        M::up(COUNTS),
        M::up(RESTORE_CHECK),
        M::up(SLA_CLOCKS),
        M::up(CUSTOMER_ORDERS),
    ])
}

const DOCUMENTS: &str = "
-- One row per Automerge document: its compacted save and its sync bookkeeping.
CREATE TABLE documents (
    doc_no        INTEGER PRIMARY KEY,
    doc_id        TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('order', 'complaint', 'requisition')),
    save          BLOB NOT NULL,
    chunk_count   INTEGER NOT NULL DEFAULT 0,
    next_chunk    INTEGER NOT NULL DEFAULT 0,
    server_heads  BLOB NOT NULL DEFAULT x'',
    local_seq     INTEGER NOT NULL DEFAULT 0,
    acked_seq     INTEGER NOT NULL DEFAULT 0,
    pending       INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX documents_pending ON documents (pending) WHERE pending = 1;

-- Incremental changes appended since the last compaction: one Automerge change per row.
CREATE TABLE document_chunks (
    doc_no  INTEGER NOT NULL REFERENCES documents (doc_no) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (doc_no, seq)
) STRICT;

-- Documents that failed to load, moved aside whole for recovery. Never deleted by the app.
CREATE TABLE quarantined_documents (
    id              INTEGER PRIMARY KEY,
    doc_id          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    save            BLOB NOT NULL,
    server_heads    BLOB NOT NULL,
    error           TEXT NOT NULL,
    quarantined_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE quarantined_chunks (
    quarantine_id  INTEGER NOT NULL REFERENCES quarantined_documents (id),
    seq            INTEGER NOT NULL,
    bytes          BLOB NOT NULL,
    PRIMARY KEY (quarantine_id, seq)
) STRICT;
";

const PROJECTIONS: &str = "
-- The order list: one row per order document. Times are Unix milliseconds, UTC.
CREATE TABLE orders (
    doc_no          INTEGER PRIMARY KEY REFERENCES documents (doc_no) ON DELETE CASCADE,
    order_id        TEXT NOT NULL UNIQUE,
    number          TEXT NOT NULL,
    state           TEXT NOT NULL,
    assignee        TEXT,
    customer_name   TEXT NOT NULL,
    phone           TEXT NOT NULL,
    address         TEXT NOT NULL,
    product_model   TEXT NOT NULL,
    serial          TEXT NOT NULL,
    due_at          INTEGER,
    sla_clock       TEXT,
    sla_late        INTEGER NOT NULL DEFAULT 0 CHECK (sla_late IN (0, 1)),
    sla_due_at      INTEGER,
    sla_at_risk_at  INTEGER,
    sla_paused      INTEGER NOT NULL DEFAULT 0 CHECK (sla_paused IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_by_due ON orders (due_at, doc_no);
CREATE INDEX orders_by_state ON orders (state, due_at);
CREATE INDEX orders_by_assignee ON orders (assignee, due_at);
CREATE INDEX orders_by_sla ON orders (sla_due_at);

-- Full-text search over the order list; rowid = documents.doc_no. `body` holds the
-- normalised text (each CJK character its own token), `extra` the suffixes of
-- numbers and codes so that a partial phone or serial matches.
CREATE VIRTUAL TABLE order_search USING fts5 (
    body, extra, tokenize = 'unicode61 remove_diacritics 2'
);

-- The stock ledger as far as this device's documents record it: one row per
-- movement and location it touches (signed quantity).
CREATE TABLE stock_movements (
    doc_no       INTEGER NOT NULL REFERENCES documents (doc_no) ON DELETE CASCADE,
    movement_id  TEXT NOT NULL,
    location     TEXT NOT NULL,
    part_id      TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    PRIMARY KEY (doc_no, movement_id, location)
) STRICT;
CREATE INDEX stock_movements_by_location ON stock_movements (location, part_id);

-- Balances per location and part: the sum of stock_movements, kept in step.
CREATE TABLE stock_balances (
    location  TEXT NOT NULL,
    part_id   TEXT NOT NULL,
    quantity  INTEGER NOT NULL,
    PRIMARY KEY (location, part_id)
) STRICT, WITHOUT ROWID;
";

const BLOBS: &str = "
-- Photos, thumbnails and signatures: files under blobs/ beside the database, named by
-- SHA-256. This table holds what the file is and whether it reached the server.
CREATE TABLE blobs (
    hash          TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('photo', 'thumbnail', 'signature_strokes', 'signature_png')),
    media_type    TEXT NOT NULL,
    size          INTEGER NOT NULL,
    width         INTEGER,
    height        INTEGER,
    derived_from  TEXT,
    uploaded      INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1)),
    created_at    INTEGER NOT NULL
) STRICT;
CREATE TABLE quarantined_blobs (
    id              INTEGER PRIMARY KEY,
    hash            TEXT NOT NULL,
    kept_at         TEXT NOT NULL,
    error           TEXT NOT NULL,
    quarantined_at  INTEGER NOT NULL
) STRICT;
";

/// Documents that left this device because its user may no longer see them, with why,
/// so the app can say "reassigned to another technician" instead of "not found".
/// List columns the app's Today and dispatch screens need. Existing rows are refilled by
/// rebuilding projections when `Store::open` sees an older projection version.
const ORDER_LIST_V2: &str = "
ALTER TABLE orders ADD COLUMN window_start INTEGER;
ALTER TABLE orders ADD COLUMN window_end INTEGER;
ALTER TABLE orders ADD COLUMN sign_off TEXT NOT NULL DEFAULT 'none';
ALTER TABLE orders ADD COLUMN open_flags INTEGER NOT NULL DEFAULT 0;
CREATE INDEX orders_by_window ON orders (window_start);
";

const REMOVED: &str = "
CREATE TABLE removed_documents (
    doc_id     TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    label      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    removed_at INTEGER NOT NULL
) STRICT;
";

/// The blobs this device's orders reference (photos, signatures), so blob sync can fetch
/// the ones it lacks without reading every order on every sync. `blob_ref_scans.version`
/// is the `documents.next_chunk` the references were read at; a document whose
/// `next_chunk` moved on is read again. `blob_fetch_misses` holds referenced blobs the
/// server did not have (or refused) when asked, not asked for again before `retry_at`.
const BLOB_REFS: &str = "
CREATE TABLE blob_refs (
    doc_no  INTEGER NOT NULL REFERENCES documents (doc_no) ON DELETE CASCADE,
    hash    TEXT NOT NULL,
    role    TEXT NOT NULL CHECK (role IN ('photo', 'signature')),
    PRIMARY KEY (doc_no, hash)
) STRICT;
CREATE INDEX blob_refs_by_hash ON blob_refs (hash);
CREATE TABLE blob_ref_scans (
    doc_no   INTEGER PRIMARY KEY REFERENCES documents (doc_no) ON DELETE CASCADE,
    version  INTEGER NOT NULL
) STRICT;
CREATE TABLE blob_fetch_misses (
    hash      TEXT PRIMARY KEY,
    attempts  INTEGER NOT NULL,
    retry_at  INTEGER NOT NULL
) STRICT;
";

/// Stock counts (`crate::counts`): the last copy of each count sheet the office sent
/// (onsite-core's CountView JSON), and the physical quantities entered on this device,
/// queued until the office has them (`sent_at`) or refused them (`refused`, the code).
/// Not projections: the entries exist nowhere else until they are sent.
const COUNTS: &str = "
CREATE TABLE count_sheets (
    id          TEXT PRIMARY KEY,
    view        TEXT NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
CREATE TABLE count_entries (
    id         TEXT PRIMARY KEY,
    count_id   TEXT NOT NULL,
    entry      TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    sent_at    INTEGER,
    refused    TEXT
) STRICT;
CREATE INDEX count_entries_by_count ON count_entries (count_id, sent_at);
";

/// Documents still to be compared with a server restored from a backup
/// (`store::restore`).
const RESTORE_CHECK: &str =
    "ALTER TABLE documents ADD COLUMN restore_check INTEGER NOT NULL DEFAULT 0 CHECK (restore_check IN (0, 1));";

/// Every running SLA clock of the orders and complaints held (`store::clocks`), for the
/// office's SLA board. Filled by rebuilding projections (projection version 3).
const SLA_CLOCKS: &str = "
CREATE TABLE sla_clocks (
    doc_no        INTEGER NOT NULL REFERENCES documents (doc_no) ON DELETE CASCADE,
    doc_kind      TEXT NOT NULL CHECK (doc_kind IN ('order', 'complaint')),
    doc_id        TEXT NOT NULL,
    number        TEXT NOT NULL,
    customer      TEXT NOT NULL,
    assignee      TEXT,
    clock         TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    deadline      INTEGER NOT NULL,
    at_risk_from  INTEGER NOT NULL,
    pauses        TEXT NOT NULL,
    PRIMARY KEY (doc_no, clock)
) STRICT;
CREATE INDEX sla_clocks_by_deadline ON sla_clocks (deadline);
";

/// The customer of every order held (`store::customers`), for the follow-up queue and
/// the customer's history. Filled by rebuilding projections (projection version 4).
const CUSTOMER_ORDERS: &str = "
CREATE TABLE customer_orders (
    doc_no          INTEGER PRIMARY KEY REFERENCES documents (doc_no) ON DELETE CASCADE,
    order_id        TEXT NOT NULL,
    number          TEXT NOT NULL,
    name            TEXT NOT NULL,
    phone           TEXT NOT NULL,
    tier            TEXT NOT NULL,
    received_at     INTEGER NOT NULL,
    closed_at       INTEGER,
    last_follow_up  INTEGER,
    follow_up_owed  INTEGER NOT NULL CHECK (follow_up_owed IN (0, 1))
) STRICT;
CREATE INDEX customer_orders_by_phone ON customer_orders (phone, received_at);
CREATE INDEX customer_orders_by_tier ON customer_orders (tier);
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }
}
