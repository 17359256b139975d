//! Which blobs this device's orders reference, for blob sync to fetch the ones it lacks.
//! The references (each order's `photos[].hash` and `sign_off.signature_blob`) are read
//! lazily: an order is read again only when its `documents.next_chunk` moved on since it
//! was last read, so a sync with nothing new costs one query. Downloaded blobs are stored
//! here too, with what this device derives from them (a thumbnail, a signature PNG).

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{blobs, now_ms, Store};
use crate::error::{Doing, StoreError};
use crate::media::{photo, signature};

/// What a document uses a blob for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobRole {
    /// A photo of the order (`photos[].hash`).
    Photo,
    /// The customer's signature (`sign_off.signature_blob`): the stroke data.
    Signature,
}

impl BlobRole {
    fn as_str(self) -> &'static str {
        match self {
            BlobRole::Photo => "photo",
            BlobRole::Signature => "signature",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "signature" {
            BlobRole::Signature
        } else {
            BlobRole::Photo
        }
    }
}

/// A blob a document on this device references and the store does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WantedBlob {
    /// SHA-256 of the blob, lower-case hex.
    pub hash: String,
    /// What the document uses it for.
    pub role: BlobRole,
}

/// The first wait after the server did not have a referenced blob; it doubles with each
/// miss up to [`MISS_MAX_WAIT_MS`]. The uploading device usually sends it on its next
/// sync, so a short first wait suffices.
const MISS_FIRST_WAIT_MS: i64 = 30_000;
/// The longest wait between asks for a blob the server keeps not having.
const MISS_MAX_WAIT_MS: i64 = 24 * 60 * 60 * 1000;

fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Orders whose references were never read, or were read at an older version.
fn stale_orders(conn: &Connection) -> Result<Vec<(i64, String, i64)>, StoreError> {
    let doing = || "listing orders whose blob references changed".to_string();
    let mut stmt = conn
        .prepare_cached(
            "SELECT d.doc_no, d.doc_id, d.next_chunk FROM documents d
             LEFT JOIN blob_ref_scans s ON s.doc_no = d.doc_no
             WHERE d.kind = 'order' AND (s.version IS NULL OR s.version <> d.next_chunk)",
        )
        .doing(doing)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(doing)?;
    Ok(rows)
}

/// Replaces a document's references, recording the version they were read at.
fn replace(
    conn: &Connection,
    doc_no: i64,
    version: i64,
    refs: &[(String, BlobRole)],
) -> Result<(), StoreError> {
    let doing = || format!("recording the blob references of document #{doc_no}");
    conn.execute("DELETE FROM blob_refs WHERE doc_no = ?1", [doc_no])
        .doing(doing)?;
    for (hash, role) in refs {
        conn.execute(
            "INSERT OR IGNORE INTO blob_refs (doc_no, hash, role) VALUES (?1, ?2, ?3)",
            params![doc_no, hash, role.as_str()],
        )
        .doing(doing)?;
    }
    // The order changed: its author has synced since, and usually sent its blobs in the
    // same sync (documents go up before blobs, so a device woken by that push can ask
    // too early). Ask for them again now rather than after the miss's wait.
    conn.execute(
        "DELETE FROM blob_fetch_misses
         WHERE hash IN (SELECT hash FROM blob_refs WHERE doc_no = ?1)",
        [doc_no],
    )
    .doing(doing)?;
    conn.execute(
        "INSERT INTO blob_ref_scans (doc_no, version) VALUES (?1, ?2)
         ON CONFLICT (doc_no) DO UPDATE SET version = excluded.version",
        params![doc_no, version],
    )
    .doing(doing)?;
    Ok(())
}

/// Referenced blobs not in `blobs`, except those the server recently did not have.
fn wanted(conn: &Connection, now_ms: i64) -> Result<Vec<WantedBlob>, StoreError> {
    let doing = || "listing blobs to download".to_string();
    let mut stmt = conn
        .prepare_cached(
            "SELECT r.hash, min(r.role) FROM blob_refs r
             WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = r.hash)
               AND NOT EXISTS (SELECT 1 FROM blob_fetch_misses m
                               WHERE m.hash = r.hash AND m.retry_at > ?1)
             GROUP BY r.hash ORDER BY r.hash",
        )
        .doing(doing)?;
    let rows = stmt
        .query_map([now_ms], |r| {
            Ok(WantedBlob {
                hash: r.get(0)?,
                role: BlobRole::parse(&r.get::<_, String>(1)?),
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .doing(doing)?;
    Ok(rows)
}

/// The size of an image from its header, without decoding it.
fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

impl Store {
    /// The blobs that orders on this device reference but the store does not hold (an
    /// office desktop viewing a technician's photos and signature), after reading the
    /// references of every order that changed since they were last read. A blob the
    /// server lately did not have is left out until its retry time.
    #[tracing::instrument(skip_all)]
    pub fn blobs_to_download(&mut self) -> Result<Vec<WantedBlob>, StoreError> {
        for (doc_no, doc_id, version) in stale_orders(&self.conn)? {
            let order = uuid::Uuid::parse_str(&doc_id)
                .map_err(|e| e.to_string())
                .and_then(|id| {
                    self.order(onsite_core::OrderId(id))
                        .map_err(|e| e.to_string())
                });
            let refs = match order {
                Ok(order) => {
                    let mut refs: Vec<(String, BlobRole)> = order
                        .photos
                        .iter()
                        .map(|p| (p.hash.clone(), BlobRole::Photo))
                        .collect();
                    if let Some(sign_off) = &order.sign_off {
                        refs.push((sign_off.signature_blob.clone(), BlobRole::Signature));
                    }
                    // Every earlier signature too (sign-offs before a reopening,
                    // objections, carry-in receipt and pick-up): the desk shows them all.
                    for s in &order.signatures {
                        refs.push((s.signature_blob.clone(), BlobRole::Signature));
                    }
                    let mut seen = std::collections::HashSet::new();
                    refs.retain(|(hash, _)| seen.insert(hash.clone()));
                    // A reference that is not a hash can never be fetched.
                    refs.retain(|(hash, _)| is_hash(hash));
                    refs
                }
                Err(err) => {
                    // Read again when the order next changes; its photos wait till then.
                    tracing::warn!(order = %doc_id, %err, "cannot read blob references");
                    Vec::new()
                }
            };
            let tx = super::begin(&mut self.conn, || {
                format!("recording the blob references of order {doc_id}")
            })?;
            replace(&tx, doc_no, version, &refs)?;
            tx.commit()
                .doing(|| format!("recording the blob references of order {doc_id}"))?;
        }
        wanted(&self.conn, now_ms())
    }

    /// Stores a blob downloaded from the server for `wanted`, after checking that its
    /// bytes hash to the referenced hash and fit the role, and derives what this device
    /// shows in its place: a photo's thumbnail (made as [`Store::add_photo`] makes one),
    /// or a signature's PNG (rendered from the strokes, bit-identical to the signing
    /// device's). The downloaded blob and what is derived from it are marked as uploaded:
    /// there is nothing of them to send.
    #[tracing::instrument(skip_all, fields(blob = %wanted.hash, bytes = bytes.len()))]
    pub fn add_downloaded_blob(
        &self,
        wanted: &WantedBlob,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let hash = wanted.hash.as_str();
        let bad = |detail: String| StoreError::BadDownload {
            hash: hash.to_string(),
            detail,
        };
        let actual = blobs::hash(bytes);
        if actual != hash {
            return Err(bad(format!("its {} bytes hash to {actual}", bytes.len())));
        }
        let now = now_ms();
        let put = |bytes: &[u8], new: blobs::NewBlob<'_>| -> Result<String, StoreError> {
            let stored = blobs::put(&self.conn, &self.blob_dir, bytes, new, now)?;
            blobs::mark_uploaded(&self.conn, &stored)?;
            Ok(stored)
        };
        match (wanted.role, media_type) {
            (BlobRole::Photo, "image/jpeg" | "image/png" | "image/webp") => {
                put(
                    bytes,
                    blobs::NewBlob {
                        kind: blobs::BlobKind::Photo,
                        media_type,
                        size: image_size(bytes),
                        derived_from: None,
                    },
                )?;
                match photo::process(bytes) {
                    Ok(p) => {
                        put(
                            &p.thumbnail,
                            blobs::NewBlob {
                                kind: blobs::BlobKind::Thumbnail,
                                media_type: "image/jpeg",
                                size: Some(p.thumbnail_size),
                                derived_from: Some(hash),
                            },
                        )?;
                    }
                    // The photo itself is kept; the list shows it without a thumbnail.
                    Err(err) => tracing::warn!(%err, "no thumbnail for a downloaded photo"),
                }
            }
            (BlobRole::Signature, "application/json") => {
                let strokes = signature::Strokes::from_json(bytes)?;
                let size = Some((strokes.width, strokes.height));
                put(
                    bytes,
                    blobs::NewBlob {
                        kind: blobs::BlobKind::SignatureStrokes,
                        media_type,
                        size,
                        derived_from: None,
                    },
                )?;
                put(
                    &strokes.render_png()?,
                    blobs::NewBlob {
                        kind: blobs::BlobKind::SignaturePng,
                        media_type: "image/png",
                        size,
                        derived_from: Some(hash),
                    },
                )?;
            }
            // Another client may capture signatures as images.
            (BlobRole::Signature, "image/png") => {
                put(
                    bytes,
                    blobs::NewBlob {
                        kind: blobs::BlobKind::SignaturePng,
                        media_type,
                        size: image_size(bytes),
                        derived_from: None,
                    },
                )?;
            }
            (role, other) => {
                return Err(bad(format!(
                    "{other:?} is not a type a {} may have",
                    role.as_str()
                )))
            }
        }
        self.conn
            .execute("DELETE FROM blob_fetch_misses WHERE hash = ?1", [hash])
            .doing(|| format!("clearing the misses of blob {hash}"))?;
        Ok(())
    }

    /// Records that the server did not have (or would not give) a referenced blob, so
    /// it is asked for again only after a wait that doubles with each miss.
    pub fn blob_download_missed(&self, hash: &str) -> Result<(), StoreError> {
        let doing = || format!("recording a miss of blob {hash}");
        let attempts: i64 = self
            .conn
            .query_row(
                "SELECT attempts FROM blob_fetch_misses WHERE hash = ?1",
                [hash],
                |r| r.get(0),
            )
            .optional()
            .doing(doing)?
            .unwrap_or(0);
        let wait = MISS_FIRST_WAIT_MS
            .saturating_mul(1i64 << attempts.clamp(0, 20))
            .min(MISS_MAX_WAIT_MS);
        self.conn
            .execute(
                "INSERT INTO blob_fetch_misses (hash, attempts, retry_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (hash) DO UPDATE SET attempts = excluded.attempts,
                     retry_at = excluded.retry_at",
                params![hash, attempts + 1, now_ms() + wait],
            )
            .doing(doing)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use onsite_core::fixtures;
    use onsite_core::records::request::ServiceMode;
    use onsite_core::{Actor, Calendar, Ctx, OrderOp, Role, Settings, UserId};

    use super::*;

    const STROKES: &[u8] = br#"{"width": 120, "height": 60, "strokes": [[{"x": 5, "y": 30, "time": 1}, {"x": 110, "y": 30, "time": 20}]]}"#;

    fn jpeg() -> anyhow::Result<Vec<u8>> {
        let img = image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([(x / 3) as u8, (y / 2) as u8, 90])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img)?;
        Ok(out)
    }

    #[test]
    fn downloaded_blobs_are_checked_and_get_what_this_device_derives() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let phone = Store::open(&dir.path().join("phone.db"))?;
        let desk = Store::open(&dir.path().join("desk.db"))?;
        let photo = phone.add_photo(&jpeg()?)?;
        let signature = phone.add_signature(STROKES)?;
        let photo_bytes = phone.read_blob(&photo.hash)?;

        let wanted = |hash: &str, role| WantedBlob {
            hash: hash.into(),
            role,
        };
        let err = desk
            .add_downloaded_blob(
                &wanted(&photo.hash, BlobRole::Photo),
                "image/jpeg",
                &photo_bytes[..100],
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::BadDownload { .. }), "{err}");
        assert!(
            desk.blob_meta(&photo.hash)?.is_none(),
            "wrong bytes are not stored"
        );
        let err = desk
            .add_downloaded_blob(
                &wanted(&photo.hash, BlobRole::Photo),
                "application/json",
                &photo_bytes,
            )
            .unwrap_err();
        assert!(
            matches!(err, StoreError::BadDownload { .. }),
            "a photo must be an image: {err}"
        );

        desk.add_downloaded_blob(
            &wanted(&photo.hash, BlobRole::Photo),
            "image/jpeg",
            &photo_bytes,
        )?;
        assert_eq!(
            desk.read_blob(&photo.hash)?,
            photo_bytes,
            "the server's bytes are kept"
        );
        let thumbnail: Option<String> = desk
            .conn
            .query_row(
                "SELECT hash FROM blobs WHERE kind = 'thumbnail' AND derived_from = ?1",
                [&photo.hash],
                |r| r.get(0),
            )
            .optional()?;
        assert!(thumbnail.is_some(), "a thumbnail is made locally");

        desk.add_downloaded_blob(
            &wanted(&signature.strokes, BlobRole::Signature),
            "application/json",
            &phone.read_blob(&signature.strokes)?,
        )?;
        assert_eq!(
            desk.read_blob(&signature.png)?,
            phone.read_blob(&signature.png)?,
            "the signature renders to the same PNG as on the signing device"
        );
        assert!(
            desk.blobs_to_upload()?.is_empty(),
            "nothing downloaded or derived from it waits to be sent"
        );
        Ok(())
    }

    #[test]
    fn the_blobs_orders_reference_are_wanted_until_stored_or_missed() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut desk = Store::open(&dir.path().join("desk.db"))?;
        let (settings, calendar) = (Settings::default(), Calendar::default());
        let ctx = Ctx {
            actor: Actor {
                user: UserId(fixtures::uuid(1)),
                role: Role::Dispatcher,
            },
            now: fixtures::t0(),
            settings: &settings,
            calendar: &calendar,
        };
        assert!(desk.blobs_to_download()?.is_empty(), "no orders, no blobs");
        let new = fixtures::new_order(1, ServiceMode::OnSite, None);
        let id = new.id;
        desk.create_order(new, &ctx)?;
        let (first, second) = (blobs::hash(b"first"), blobs::hash(b"second"));
        for hash in [&first, &second] {
            let op = OrderOp::AddPhoto {
                hash: hash.clone(),
                caption: String::new(),
            };
            desk.apply_order(id, &op, &ctx)?;
        }
        let hashes = |wanted: Vec<WantedBlob>| -> Vec<String> {
            wanted.into_iter().map(|w| w.hash).collect()
        };
        let mut expected = vec![first.clone(), second.clone()];
        expected.sort();
        assert_eq!(hashes(desk.blobs_to_download()?), expected);

        desk.blob_download_missed(&first)?;
        assert_eq!(
            hashes(desk.blobs_to_download()?),
            vec![second],
            "a blob the server did not have waits"
        );
        let attempts: i64 = desk.conn.query_row(
            "SELECT attempts FROM blob_fetch_misses WHERE hash = ?1",
            [&first],
            |r| r.get(0),
        )?;
        assert_eq!(attempts, 1);
        desk.conn
            .execute("UPDATE blob_fetch_misses SET retry_at = 0", [])?;
        assert_eq!(
            hashes(desk.blobs_to_download()?),
            expected,
            "and is asked for again once its wait is over"
        );
        Ok(())
    }
}
