//! Hostile and broken pushes for the trust scenarios and the `server_trust` benchmark:
//! spoiled changes, deflate bombs, a run-length bomb, a 10,000-comment order, and the
//! process's resident memory to see what they cost the (in-process) server.

use std::io::Write as _;

use automerge::AutoCommit;
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::Ctx;

/// The four bytes every Automerge chunk starts with.
pub const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// How a push is spoiled on its way to the server.
#[derive(Debug, Clone, Copy)]
pub enum Spoil {
    /// The last bytes of the change are missing.
    Truncate,
    /// One byte in the middle of the change is flipped.
    FlipByte,
    /// The chunk carries a type this server does not know (a newer Automerge format).
    UnknownFormat,
}

/// `bytes` (Automerge changes) spoiled as `how` says.
pub fn spoil(bytes: &[u8], how: Spoil) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match how {
        Spoil::Truncate => out.truncate(out.len().saturating_sub(7)),
        Spoil::FlipByte => {
            let at = out.len() / 2;
            if let Some(b) = out.get_mut(at) {
                *b ^= 0x5a;
            }
        }
        // magic (4) and checksum (4), then the chunk type
        Spoil::UnknownFormat => {
            if let Some(b) = out.get_mut(8) {
                *b = 9;
            }
        }
    }
    out
}

fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// `mib` MiB of zeros, deflated (raw deflate, as Automerge uses): about 1 KiB per MiB.
pub fn deflated_zeros(mib: usize) -> std::io::Result<Vec<u8>> {
    let zeros = vec![0u8; 1024 * 1024];
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..mib {
        enc.write_all(&zeros)?;
    }
    enc.finish()
}

fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend([0, 0, 0, 0, kind]);
    leb(&mut out, data.len() as u64);
    out.extend(data);
    out
}

/// A compressed change chunk (type 2) that inflates to `mib` MiB.
pub fn compressed_change_bomb(mib: usize) -> std::io::Result<Vec<u8>> {
    Ok(chunk(2, &deflated_zeros(mib)?))
}

/// A document chunk (type 0) with one deflated op column that inflates to `mib` MiB.
pub fn document_column_bomb(mib: usize) -> std::io::Result<Vec<u8>> {
    let bomb = deflated_zeros(mib)?;
    let mut data = vec![0u8, 0, 0]; // no actors, no heads, no change columns
    data.push(1); // one op column
    leb(&mut data, u64::from((4u32 << 4) | 0b1000 | 2)); // action, deflated, integer
    leb(&mut data, bomb.len() as u64);
    data.extend(&bomb);
    Ok(chunk(0, &data))
}

/// One change chunk whose action column claims 2^40 operations in a few bytes.
pub fn run_length_bomb() -> Vec<u8> {
    let mut data = vec![0u8]; // no deps
    data.extend([1, 0xaa]); // actor
    data.extend([1, 1, 0, 0]); // seq, start op, time, empty message
    data.push(0); // no other actors
                  // A run of 2^40 copies of action 1: signed LEB128 count, then the value.
    let mut column = Vec::new();
    let mut v: i64 = 1 << 40;
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 && b & 0x40 == 0 {
            column.push(b);
            break;
        }
        column.push(b | 0x80);
    }
    column.push(1);
    data.push(1);
    leb(&mut data, u64::from((4u32 << 4) | 2));
    leb(&mut data, column.len() as u64);
    data.extend(&column);
    chunk(1, &data)
}

/// Adds `n` comments of about 300 bytes each to the order in `doc`, in one change.
pub fn add_comments(doc: &mut AutoCommit, n: usize, ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let mut order: OrderDoc = autosurgeon::hydrate(doc)?;
    let text = "客户反映洗衣机脱水时噪音很大，检查后发现减震器老化。".repeat(4);
    for i in 0..n {
        order.apply(
            &OrderOp::Comment {
                id: onsite_core::RecordId(uuid::Uuid::now_v7()),
                text: format!("{i}: {text}"),
            },
            ctx,
        )?;
    }
    autosurgeon::reconcile(doc, &order)?;
    // One change signed the way `ops::apply` signs it, so the server attests its author.
    doc.commit_with(
        automerge::transaction::CommitOptions::default().with_message(format!(
            "order.comment {} {}",
            ctx.actor.role.as_str(),
            ctx.actor.user
        )),
    );
    Ok(())
}

/// This process's resident memory in bytes (Linux), or 0 where it cannot be read.
pub fn rss_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// True while some connection holds the write lock of the test server's database in
/// `data` (a sync round trip is in its transaction): on SQLite a probe's `BEGIN
/// IMMEDIATE` fails at once with "busy"; on PostgreSQL the writers' advisory lock is
/// not free.
pub fn write_lock_held(data: &std::path::Path) -> anyhow::Result<bool> {
    if let Some(url) = crate::pg::database_for(data)? {
        // On a thread of its own: the postgres client may not start inside a runtime.
        return std::thread::scope(|s| {
            s.spawn(|| -> anyhow::Result<bool> {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
                let lock = onsite_server::db::WRITER_LOCK;
                let free: bool = client
                    .query_one("SELECT pg_try_advisory_lock($1)", &[&lock])?
                    .get(0);
                if free {
                    client.execute("SELECT pg_advisory_unlock($1)", &[&lock])?;
                }
                Ok(!free)
            })
            .join()
            .map_err(|_| anyhow::anyhow!("the lock probe panicked"))?
        });
    }
    let conn = rusqlite::Connection::open(data.join(onsite_server::db::DB_FILE))?;
    conn.busy_timeout(std::time::Duration::ZERO)?;
    match conn.execute_batch("BEGIN IMMEDIATE") {
        Ok(()) => {
            conn.execute_batch("ROLLBACK")?;
            Ok(false)
        }
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            Ok(true)
        }
        Err(e) => Err(e.into()),
    }
}

/// Resets this process's peak resident memory to its current value (Linux), so
/// [`peak_rss_bytes`] measures from here on. False where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's peak resident memory since start or the last [`reset_peak_rss`], in
/// bytes (Linux `VmHWM`), or 0 where it cannot be read.
pub fn peak_rss_bytes() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// What a tampered client writes: whatever `edit` does to the order `id` on `c`, as one
/// change from `who` with an honest commit message, past the app's own checks, so only
/// the server's review can catch it.
pub fn tamper(
    c: &mut crate::protocol_client::Client,
    id: &str,
    who: onsite_core::role::Actor,
    op: &str,
    edit: impl FnOnce(&mut OrderDoc) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use onsite_core::doc::Document as _;
    let doc = c.doc(id)?;
    let before: OrderDoc = onsite_core::ops::hydrate(doc)?;
    let mut after = before.clone();
    edit(&mut after)?;
    OrderDoc::reconcile_changes(doc, &before, &after)?;
    doc.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message(format!("order.{op} {} {}", who.role.as_str(), who.user))
            .with_time(chrono::Utc::now().timestamp()),
    );
    Ok(())
}

/// Holds the first push to `doc_id` once it has been prepared, before its round trip
/// queues for the write connection (`Db::set_prepared_probe`), until the test lets it
/// go on. Await the receiver to know it is held; send on the sender to release it.
pub fn hold_first_prepared(
    db: &onsite_server::db::Db,
    doc_id: &str,
) -> (
    tokio::sync::oneshot::Receiver<()>,
    std::sync::mpsc::Sender<()>,
) {
    let (reached, held) = tokio::sync::oneshot::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let first = std::sync::Mutex::new(Some((reached, released)));
    let doc_id = doc_id.to_string();
    db.set_prepared_probe(Some(std::sync::Arc::new(move |prepared: &str| {
        if prepared != doc_id {
            return;
        }
        // Only the first push to the document is held; later ones pass.
        let taken = first.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some((reached, released)) = taken {
            let _ = reached.send(());
            // Held here (a blocking thread) until the test lets it go on.
            let _ = released.recv();
        }
    })));
    (held, release)
}
