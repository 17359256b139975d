-- The server's schema on PostgreSQL: the same tables, columns and constraints as the
-- SQLite migrations in src/db.rs (up to version 13), in PostgreSQL's types. Integers
-- are BIGINT (SQLite's INTEGER), bytes BYTEA, and times stay RFC 3339 text, so every
-- query reads and compares them the same way on both engines.

-- Logins compare without regard to case, as SQLite's NOCASE does.
CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE COLLATE nocase,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
    );
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    enrolled_at  TEXT NOT NULL,
    last_seen_at TEXT,
    revoked_at   TEXT
    ,
    clock_offset_ms BIGINT);
CREATE INDEX devices_by_user ON devices(user_id);
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    data       BYTEA NOT NULL,
    heads      TEXT NOT NULL,
    owner      TEXT,
    seq        BIGINT NOT NULL UNIQUE,
    updated_at TEXT NOT NULL
    );
CREATE INDEX documents_by_owner ON documents(owner, seq);
CREATE TABLE device_docs (
    device_id TEXT NOT NULL,
    doc_id    TEXT NOT NULL,
    have      TEXT NOT NULL, told_removed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (device_id, doc_id)
    );
CREATE TABLE sync_sent (
    device_id TEXT NOT NULL,
    cursor    BIGINT NOT NULL,
    doc_id    TEXT NOT NULL,
    heads     TEXT
    );
CREATE INDEX sync_sent_by_device ON sync_sent(device_id, cursor);
CREATE TABLE quarantine (
    id          TEXT PRIMARY KEY,
    doc_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    data        BYTEA NOT NULL,
    neutralised BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution  TEXT
    ,
    findings TEXT NOT NULL DEFAULT '[]', changes TEXT NOT NULL DEFAULT '[]', resolved_by TEXT);
CREATE INDEX quarantine_open ON quarantine(resolved_at, received_at);
CREATE TABLE parts (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    price_minor BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    serialized  BIGINT NOT NULL,
    valuable    BIGINT NOT NULL,
    certified   BIGINT NOT NULL,
    barcode     TEXT NOT NULL
    );
CREATE TABLE locations (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('warehouse', 'van')),
    holder  TEXT REFERENCES users(id)
    );
CREATE TABLE blob_uploads (
    hash       TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    length     BIGINT NOT NULL,
    received   BIGINT NOT NULL,
    user_id    TEXT NOT NULL,
    device_id  TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
    );
CREATE INDEX blob_uploads_by_age ON blob_uploads(updated_at);
CREATE TABLE blob_refs (
    hash   TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (hash, doc_id)
    );
CREATE INDEX blob_refs_by_doc ON blob_refs(doc_id);
CREATE TABLE blob_ref_scans (
    doc_id TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL
    );
CREATE TABLE ledger_movements (
    doc_id      TEXT NOT NULL,
    movement_id TEXT NOT NULL,
    -- the order or requisition number, for flag details
    doc_label   TEXT NOT NULL,
    part        TEXT NOT NULL,
    part_number TEXT NOT NULL,
    from_loc    TEXT,
    to_loc      TEXT,
    kind        TEXT NOT NULL,
    -- positive, except count adjustments, which carry their sign
    quantity    BIGINT NOT NULL,
    -- the movement as onsite-core's stock::Movement JSON
    data        TEXT NOT NULL,
    PRIMARY KEY (doc_id, movement_id)
    );
CREATE INDEX ledger_movements_from ON ledger_movements(part, from_loc);
CREATE INDEX ledger_movements_to ON ledger_movements(part, to_loc);
CREATE TABLE ledger_serials (
    part        TEXT NOT NULL,
    serial      TEXT NOT NULL,
    doc_id      TEXT NOT NULL,
    movement_id TEXT NOT NULL,
    PRIMARY KEY (part, serial, doc_id, movement_id)
    );
CREATE INDEX ledger_serials_by_doc ON ledger_serials(doc_id);
CREATE TABLE flag_index (
    doc_id       TEXT NOT NULL,
    flag_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    raised_at_ms BIGINT NOT NULL,
    standing     TEXT NOT NULL,
    PRIMARY KEY (doc_id, flag_id)
    );
CREATE INDEX flag_index_by_subject ON flag_index(doc_id, kind, subject);
CREATE TABLE device_actors (
    actor     TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    user_id   TEXT NOT NULL REFERENCES users(id),
    bound_at  TEXT NOT NULL
    );
CREATE INDEX device_actors_by_device ON device_actors(device_id);
CREATE INDEX quarantine_by_device ON quarantine(device_id, resolved_at);
CREATE TABLE stock_receipts (
    id       TEXT PRIMARY KEY,
    part     TEXT NOT NULL REFERENCES parts(id),
    location TEXT NOT NULL REFERENCES locations(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    at       TEXT NOT NULL,
    by_user  TEXT NOT NULL,
    -- the movement as onsite-core's stock::Movement JSON
    data     TEXT NOT NULL
    );
CREATE INDEX stock_receipts_by_pair ON stock_receipts(part, location);
CREATE TABLE office_audit (
    id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at      TEXT NOT NULL,
    -- NULL: the server's command line
    by_user TEXT,
    by_name TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
    );
CREATE TABLE settings_versions (
    version  BIGINT PRIMARY KEY,
    since    TEXT NOT NULL,
    by_user  TEXT NOT NULL,
    by_name  TEXT NOT NULL,
    settings TEXT NOT NULL
    );
CREATE TABLE company_calendar (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    calendar TEXT NOT NULL
    );
CREATE TABLE calendar_changes (
    id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at      TEXT NOT NULL,
    by_user TEXT NOT NULL,
    by_name TEXT NOT NULL,
    year    BIGINT NOT NULL,
    how     TEXT NOT NULL,
    days    BIGINT NOT NULL
    );
CREATE TABLE sla_due (
    doc_id  TEXT PRIMARY KEY,
    next_ms BIGINT
    );
CREATE INDEX sla_due_by_time ON sla_due(next_ms);
CREATE TABLE stock_counts (
    id        TEXT PRIMARY KEY,
    number    TEXT NOT NULL UNIQUE,
    location  TEXT NOT NULL REFERENCES locations(id),
    state     TEXT NOT NULL CHECK (state IN ('open', 'posted')),
    opened_at TEXT NOT NULL,
    data      TEXT NOT NULL
    );
CREATE UNIQUE INDEX stock_counts_one_open ON stock_counts(location)
    WHERE state = 'open';
CREATE TABLE stock_count_entries (
    id          TEXT PRIMARY KEY,
    count_id    TEXT NOT NULL REFERENCES stock_counts(id),
    by_user     TEXT NOT NULL,
    received_at TEXT NOT NULL
    );
CREATE TABLE stock_adjustments (
    id          TEXT PRIMARY KEY,
    part        TEXT NOT NULL,
    part_number TEXT NOT NULL,
    location    TEXT NOT NULL,
    -- signed: a surplus above zero, a shortage below
    quantity    BIGINT NOT NULL CHECK (quantity <> 0),
    at          TEXT NOT NULL,
    by_user     TEXT NOT NULL,
    -- the count's or the order's number
    label       TEXT NOT NULL,
    -- the movement as onsite-core's stock::Movement JSON
    data        TEXT NOT NULL
    );
CREATE INDEX stock_adjustments_by_pair ON stock_adjustments(part, location);
CREATE TABLE stock_minimums (
    part     TEXT NOT NULL REFERENCES parts(id),
    location TEXT NOT NULL REFERENCES locations(id),
    minimum  BIGINT NOT NULL CHECK (minimum > 0),
    PRIMARY KEY (part, location)
    );
CREATE TABLE server_identity (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL
    );
CREATE TABLE kpi_rows (
    doc_id TEXT PRIMARY KEY,
    kind   TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    row    BYTEA NOT NULL
    );

INSERT INTO server_identity (id, epoch) VALUES (1, md5(random()::text || clock_timestamp()::text));
