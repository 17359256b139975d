//! Bounded inspection of pushed Automerge bytes, before Automerge sees them. Automerge
//! 0.12 inflates compressed change chunks, compressed bundles and deflated document
//! columns with no limit, and a run-length column can claim billions of operations in a
//! few bytes, so a small push can ask for gigabytes. This walks the chunk headers (magic,
//! checksum, type, LEB128 length) and each chunk's column metadata, counts changes and
//! operations from the columns' run lengths, and inflates deflated document columns
//! under a hard cap. Nothing here builds a document; it only decides whether handing the
//! bytes to `load_incremental` is safe. The layout follows the Automerge binary format
//! (automerge 0.12, `storage/chunk.rs`, `storage/document.rs`, `storage/change.rs`).

use std::io::Read as _;

/// The four bytes every Automerge chunk starts with.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Column spec bit marking a deflated column.
const DEFLATE_BIT: u32 = 0b1000;
/// A change hash's length.
const HASH_LEN: usize = 32;

/// Most bytes the deflated document columns of one request may inflate to, in all.
pub const MAX_INFLATED_BYTES: usize = 32 * 1024 * 1024;
/// Most changes one request may push, over all its documents.
pub const MAX_CHANGES_PER_REQUEST: u64 = 100_000;
/// Most operations one request may push, over all its documents.
pub const MAX_OPS_PER_REQUEST: u64 = 1_000_000;

/// What one request may still push; each inspected document draws on it.
#[derive(Debug, Clone)]
pub struct Budget {
    pub inflated_bytes: usize,
    pub changes: u64,
    pub ops: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            inflated_bytes: MAX_INFLATED_BYTES,
            changes: MAX_CHANGES_PER_REQUEST,
            ops: MAX_OPS_PER_REQUEST,
        }
    }
}

/// What a push holds, counted from its chunks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub chunks: u64,
    pub changes: u64,
    pub ops: u64,
    /// Bytes the deflated columns inflated to.
    pub inflated_bytes: usize,
}

/// Why a push was refused before decoding; `code` is the push result's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {reason}")]
pub struct Refusal {
    pub code: &'static str,
    pub reason: String,
}

fn unreadable(reason: impl Into<String>) -> Refusal {
    Refusal {
        code: "unreadable_changes",
        reason: reason.into(),
    }
}

/// Walks `bytes` chunk by chunk and charges what it holds to `budget`. On refusal the
/// budget is left as it was, so later documents of the request are judged alone.
pub fn inspect(bytes: &[u8], budget: &mut Budget) -> Result<Summary, Refusal> {
    let mut left = budget.clone();
    let mut summary = Summary::default();
    let mut input = Reader::new(bytes);
    while !input.is_empty() {
        let at = input.pos;
        let chunk = input
            .chunk()
            .map_err(|e| unreadable(format!("chunk at byte {at}: {e}")))?;
        summary.chunks += 1;
        let (changes, ops) = match chunk.kind {
            0 => document(chunk.data, &mut left, &mut summary)
                .map_err(|e| e.at(at, "document chunk"))?,
            1 => (1, change(chunk.data).map_err(|e| e.at(at, "change chunk"))?),
            2 => {
                return Err(Refusal {
                    code: "compressed_chunk",
                    reason: format!(
                        "chunk at byte {at} is a compressed change; send changes uncompressed"
                    ),
                })
            }
            3 => {
                return Err(Refusal {
                    code: "unsupported_chunk",
                    reason: format!("chunk at byte {at} is a bundle; send changes or a document"),
                })
            }
            other => {
                return Err(unreadable(format!(
                    "chunk at byte {at} has unknown type {other} (a newer Automerge format?)"
                )))
            }
        };
        left.changes = left.changes.checked_sub(changes).ok_or_else(|| Refusal {
            code: "too_many_changes",
            reason: format!(
                "the request pushes more than {MAX_CHANGES_PER_REQUEST} changes; push fewer documents at once"
            ),
        })?;
        left.ops = left.ops.checked_sub(ops).ok_or_else(|| Refusal {
            code: "too_many_ops",
            reason: format!(
                "the request pushes more than {MAX_OPS_PER_REQUEST} operations; push fewer documents at once"
            ),
        })?;
        summary.changes += changes;
        summary.ops += ops;
    }
    *budget = left;
    Ok(summary)
}

/// A failure inside one chunk, placed by [`Failure::at`].
enum Failure {
    Bad(String),
    Refused(Refusal),
}

impl Failure {
    fn at(self, at: usize, what: &str) -> Refusal {
        match self {
            Failure::Bad(e) => unreadable(format!("{what} at byte {at}: {e}")),
            Failure::Refused(r) => r,
        }
    }
}

impl From<String> for Failure {
    fn from(e: String) -> Self {
        Failure::Bad(e)
    }
}

/// A document chunk: actors, heads, change and op column metadata, the columns, and the
/// head indices. Returns (changes, ops) as the longest column of each set.
fn document(data: &[u8], left: &mut Budget, summary: &mut Summary) -> Result<(u64, u64), Failure> {
    let mut r = Reader::new(data);
    let actors = r.uleb()?;
    for _ in 0..actors {
        r.prefixed()?;
    }
    let heads = r.uleb()?;
    for _ in 0..heads {
        r.take(HASH_LEN)?;
    }
    let change_cols = r.columns()?;
    let op_cols = r.columns()?;
    let mut count = |cols: &[(u32, usize)], r: &mut Reader<'_>| -> Result<u64, Failure> {
        let mut most = 0u64;
        for &(spec, len) in cols {
            let raw = r.take(len)?;
            let n = if spec & DEFLATE_BIT != 0 {
                let inflated = inflate(raw, left.inflated_bytes).map_err(Failure::Refused)?;
                left.inflated_bytes -= inflated.len();
                summary.inflated_bytes += inflated.len();
                rows(spec, &inflated)?
            } else {
                rows(spec, raw)?
            };
            most = most.max(n);
        }
        Ok(most)
    };
    let changes = count(&change_cols, &mut r)?;
    let ops = count(&op_cols, &mut r)?;
    // The rest is one LEB128 head index per head (absent in old documents).
    Ok((changes, ops))
}

/// A change chunk: its header fields, then op columns, which may not be deflated.
fn change(data: &[u8]) -> Result<u64, Failure> {
    let mut r = Reader::new(data);
    let deps = r.uleb()?;
    for _ in 0..deps {
        r.take(HASH_LEN)?;
    }
    r.prefixed()?; // actor
    r.uleb()?; // seq
    r.uleb()?; // start op
    r.sleb()?; // time
    r.prefixed()?; // message
    let others = r.uleb()?;
    for _ in 0..others {
        r.prefixed()?;
    }
    let cols = r.columns()?;
    let mut most = 0u64;
    for (spec, len) in cols {
        if spec & DEFLATE_BIT != 0 {
            return Err(Failure::Bad(
                "a change may not hold deflated columns".into(),
            ));
        }
        most = most.max(rows(spec, r.take(len)?)?);
    }
    Ok(most)
}

/// Inflates `raw`, refusing once the output would pass `cap` bytes.
fn inflate(raw: &[u8], cap: usize) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    flate2::bufread::DeflateDecoder::new(raw)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| unreadable(format!("a deflated column does not inflate: {e}")))?;
    if out.len() > cap {
        return Err(Refusal {
            code: "inflates_too_far",
            reason: format!(
                "deflated columns inflate past {MAX_INFLATED_BYTES} bytes in one request"
            ),
        });
    }
    Ok(out)
}

/// The rows a column holds, from its run lengths, without expanding them. Value columns
/// (raw bytes indexed by their metadata column) hold no row count of their own.
fn rows(spec: u32, data: &[u8]) -> Result<u64, Failure> {
    let mut r = Reader::new(data);
    let mut n = 0u64;
    match spec & 0b111 {
        // Boolean: alternating run lengths of false and true.
        4 => {
            while !r.is_empty() {
                n = n.saturating_add(r.uleb()?);
            }
        }
        7 => {}
        kind => {
            // Run-length encoded: a signed count, then one value (a run), -count values
            // (literals), or for 0 an unsigned count of nulls.
            while !r.is_empty() {
                let count = r.sleb()?;
                if count > 0 {
                    n = n.saturating_add(count.unsigned_abs());
                    skip_value(kind, &mut r)?;
                } else if count < 0 {
                    n = n.saturating_add(count.unsigned_abs());
                    for _ in 0..count.unsigned_abs() {
                        skip_value(kind, &mut r)?;
                    }
                } else {
                    n = n.saturating_add(r.uleb()?);
                }
            }
        }
    }
    Ok(n)
}

fn skip_value(kind: u32, r: &mut Reader<'_>) -> Result<(), String> {
    match kind {
        3 => r.sleb().map(drop),
        5 => r.prefixed().map(drop),
        _ => r.uleb().map(drop),
    }
}

/// One chunk's type and data.
struct Chunk<'a> {
    kind: u8,
    data: &'a [u8],
}

/// A cursor over bytes with the format's primitive readers; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| format!("{n} bytes needed at byte {}, the data ends first", self.pos))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn uleb(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f)
                .checked_shl(shift)
                .ok_or("LEB128 overflow")?;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("LEB128 number too long".into())
    }

    fn sleb(&mut self) -> Result<i64, String> {
        let mut value = 0i64;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            if shift >= 64 {
                return Err("LEB128 number too long".into());
            }
            value |= i64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
        }
    }

    fn len(&mut self) -> Result<usize, String> {
        usize::try_from(self.uleb()?).map_err(|_| "length out of range".to_string())
    }

    fn prefixed(&mut self) -> Result<&'a [u8], String> {
        let n = self.len()?;
        self.take(n)
    }

    /// Column metadata: a count, then (spec, length) pairs.
    fn columns(&mut self) -> Result<Vec<(u32, usize)>, String> {
        let n = self.uleb()?;
        let mut cols = Vec::new();
        let mut total = 0usize;
        for _ in 0..n {
            let spec =
                u32::try_from(self.uleb()?).map_err(|_| "column spec out of range".to_string())?;
            let len = self.len()?;
            // Every column lies inside the chunk, so a bogus count or length ends here.
            total = total
                .checked_add(len)
                .filter(|t| *t <= self.bytes.len())
                .ok_or("column lengths exceed the chunk")?;
            cols.push((spec, len));
        }
        Ok(cols)
    }

    fn chunk(&mut self) -> Result<Chunk<'a>, String> {
        if self.take(4)? != MAGIC {
            return Err("not an Automerge chunk (bad magic bytes)".into());
        }
        self.take(4)?; // checksum, verified by Automerge itself
        let kind = self.byte()?;
        let len = self.len()?;
        let data = self.take(len)?;
        Ok(Chunk { kind, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable as _;
    use automerge::{AutoCommit, ObjType, ReadDoc as _, ROOT};

    fn doc_with(comments: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        let list = doc
            .put_object(ROOT, "comments", ObjType::List)
            .expect("list");
        for i in 0..comments {
            let c = doc.insert_object(&list, i, ObjType::Map).expect("map");
            doc.put(&c, "text", format!("comment {i}")).expect("put");
            doc.put(&c, "at", i as i64).expect("put");
            doc.commit();
        }
        doc
    }

    #[test]
    fn counts_match_automerge_for_changes_and_a_saved_document() {
        let mut doc = doc_with(300);
        let changes = doc.get_changes(&[]);
        let want_ops: u64 = changes.iter().map(|c| c.len() as u64).sum();
        let want_changes = changes.len() as u64;

        let got = inspect(&doc.save_after(&[]), &mut Budget::default()).expect("changes");
        assert_eq!((got.changes, got.ops), (want_changes, want_ops));

        // A save deflates its big columns: they are inflated (under the cap) and counted.
        let got = inspect(&doc.save(), &mut Budget::default()).expect("document");
        assert!(
            got.inflated_bytes > 0,
            "a 300-comment save has deflated columns"
        );
        assert_eq!((got.changes, got.ops), (want_changes, want_ops));
        assert_eq!(
            doc.length(doc.get(ROOT, "comments").unwrap().unwrap().1),
            300
        );
    }

    #[test]
    fn truncated_flipped_and_unknown_chunks_are_unreadable() {
        let mut doc = doc_with(3);
        let bytes = doc.save_after(&[]);
        let cut = inspect(&bytes[..bytes.len() - 5], &mut Budget::default()).unwrap_err();
        assert_eq!(cut.code, "unreadable_changes", "{cut}");
        let mut unknown = bytes.clone();
        unknown[8] = 9;
        let err = inspect(&unknown, &mut Budget::default()).unwrap_err();
        assert_eq!(err.code, "unreadable_changes");
        assert!(err.reason.contains("unknown type 9"), "{err}");
        let mut magic = bytes;
        magic[0] ^= 0xff;
        assert_eq!(
            inspect(&magic, &mut Budget::default()).unwrap_err().code,
            "unreadable_changes"
        );
    }

    #[test]
    fn a_compressed_change_chunk_is_refused() {
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 2, 3, 1, 2, 3]);
        assert_eq!(
            inspect(&chunk, &mut Budget::default()).unwrap_err().code,
            "compressed_chunk"
        );
    }

    #[test]
    fn a_run_length_bomb_is_counted_not_expanded() {
        // One change whose action column claims 2^40 operations in a handful of bytes.
        let mut data = vec![0u8]; // no deps
        data.extend([1, 0xaa]); // actor
        data.extend([1, 1, 0, 0]); // seq, start op, time, empty message
        data.push(0); // no other actors
        let mut column = Vec::new();
        leb_s(&mut column, 1 << 40);
        column.push(1);
        data.extend([1, (4 << 4) | 2, column.len() as u8]);
        data.extend(&column);
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 1, data.len() as u8]);
        chunk.extend(&data);
        let err = inspect(&chunk, &mut Budget::default()).unwrap_err();
        assert_eq!(err.code, "too_many_ops", "{err}");
    }

    #[test]
    fn a_deflate_bomb_in_a_document_column_stops_at_the_cap() {
        let mut doc = doc_with(1);
        let real = doc.save();
        // Rebuild the document chunk with one more op column: 200 MiB of zeros deflated.
        let zeros = vec![0u8; 1024 * 1024];
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..200 {
            std::io::Write::write_all(&mut enc, &zeros).expect("deflate");
        }
        let bomb = enc.finish().expect("deflate");
        assert!(bomb.len() < 512 * 1024, "the bomb is small: {}", bomb.len());
        let mut data = vec![0u8, 0]; // no actors, no heads
        data.push(0); // no change columns
        data.push(1);
        leb_u(&mut data, u64::from((12u32 << 4) | DEFLATE_BIT | 2));
        leb_u(&mut data, bomb.len() as u64);
        data.extend(&bomb);
        let mut chunk = MAGIC.to_vec();
        chunk.extend([0, 0, 0, 0, 0]);
        leb_u(&mut chunk, data.len() as u64);
        chunk.extend(&data);
        let err = inspect(&chunk, &mut Budget::default()).unwrap_err();
        assert_eq!(err.code, "inflates_too_far", "{err}");
        assert!(inspect(&real, &mut Budget::default()).is_ok());
    }

    fn leb_u(out: &mut Vec<u8>, mut v: u64) {
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

    fn leb_s(out: &mut Vec<u8>, mut v: i64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0) {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
}
