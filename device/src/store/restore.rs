//! Catching up with a server restored from a backup: the server forgot whatever it
//! acknowledged after the backup, so nothing it acknowledged is trusted any more. Each
//! document is marked to be checked; as the full pull that follows brings the server's
//! heads, a document holding changes beyond them is pending again (and sends only those
//! changes); one the server no longer has at all is sent whole. Photos and signatures are
//! marked not uploaded, and the upload asks the server which it lacks before sending.

use automerge::ChangeHash;
use rusqlite::params;

use super::{documents, DocKind, Store};
use crate::error::{Doing, StoreError};

impl Store {
    /// Starts the check after a restore: every document to be compared with the server's
    /// copy, every blob to be offered again.
    pub fn begin_restore_check(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "UPDATE documents SET restore_check = 1;
                 UPDATE blobs SET uploaded = 0;
                 DELETE FROM blob_fetch_misses;",
            )
            .doing(|| "marking documents and blobs for the check after a restore".into())?;
        self.cache.clear();
        Ok(())
    }

    /// Compares a document the restored server just sent (its `server_heads`) with the
    /// local copy: if this device holds changes beyond them, the document is pending
    /// again. Returns whether it was.
    pub fn check_after_restore(
        &mut self,
        kind: DocKind,
        id: &str,
        server_heads: &[ChangeHash],
    ) -> Result<bool, StoreError> {
        let row = self.row(kind, id)?;
        let marked: bool = self
            .conn
            .query_row(
                "SELECT restore_check FROM documents WHERE doc_no = ?1",
                [row.doc_no],
                |r| r.get(0),
            )
            .doing(|| format!("reading the restore mark of {kind} {id}"))?;
        if !marked {
            return Ok(false);
        }
        let mut local = self.read(kind, id, |doc| doc.get_heads())?;
        let mut server = server_heads.to_vec();
        local.sort();
        server.sort();
        let ahead = local != server;
        self.conn
            .execute(
                "UPDATE documents SET restore_check = 0,
                     pending = CASE WHEN ?2 THEN 1 ELSE pending END
                 WHERE doc_no = ?1",
                params![row.doc_no, ahead],
            )
            .doing(|| format!("recording the restore check of {kind} {id}"))?;
        Ok(ahead)
    }

    /// Ends the check once the full pull is done: documents the server sent nothing of
    /// are ones it lacks, so they are sent whole. Returns how many.
    pub fn finish_restore_check(&mut self) -> Result<usize, StoreError> {
        let unseen = documents::marked_for_restore(&self.conn)?;
        for row in &unseen {
            documents::forget_server_heads(&self.conn, row)?;
        }
        self.conn
            .execute(
                "UPDATE documents SET pending = 1, restore_check = 0 WHERE restore_check = 1",
                [],
            )
            .doing(|| "marking documents the restored server lacks".into())?;
        self.cache.clear();
        Ok(unseen.len())
    }
}
