//! Documents a pull brings that this device has never held, loaded on every core at
//! once before they are stored one by one: a first sync is mostly Automerge loading
//! hundreds of independent documents (about 2 ms each for an order of 150 changes), and
//! a phone has several cores.

use std::collections::HashMap;

use automerge::AutoCommit;

use super::{documents, project_or_skip, DocKind, Store};
use crate::error::StoreError;
use crate::projection::Projection;

/// A received document loaded and projected, ready to insert.
pub struct Loaded {
    pub(super) save: Vec<u8>,
    pub(super) projection: Projection,
}

/// Below this many new documents the threads cost more than they save.
const PARALLEL_FROM: usize = 16;

impl Store {
    /// Loads, projects and saves each of `docs` (kind, id, the bytes the server sent)
    /// that this device does not hold yet, spread over the machine's cores. A document
    /// that fails here is left out: [`Store::receive_loaded`] then does the work itself
    /// and reports the failure as [`Store::receive`] would.
    pub fn load_new(
        &self,
        docs: &[(DocKind, &str, &[u8])],
    ) -> Result<HashMap<String, Loaded>, StoreError> {
        let mut new = Vec::new();
        for doc in docs {
            if !self.cache.contains_key(doc.1) && documents::find(&self.conn, doc.1)?.is_none() {
                new.push(*doc);
            }
        }
        if new.len() < PARALLEL_FROM {
            return Ok(HashMap::new());
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_thread = new.len().div_ceil(threads);
        // Only what the threads need: the connection stays on this one.
        let (actor, projector) = (&self.actor, &self.projector);
        let load = |(kind, id, bytes): (DocKind, &str, &[u8])| {
            let mut doc = AutoCommit::new().with_actor(actor.clone());
            doc.load_incremental(bytes).ok()?;
            let projection = project_or_skip(projector, kind, id, doc.document(), true).ok()?;
            Some((
                id.to_string(),
                Loaded {
                    save: doc.save(),
                    projection,
                },
            ))
        };
        Ok(std::thread::scope(|scope| {
            let workers: Vec<_> = new
                .chunks(per_thread)
                .map(|chunk| {
                    scope.spawn(move || chunk.iter().filter_map(|d| load(*d)).collect::<Vec<_>>())
                })
                .collect();
            // A worker that panicked loses only its share: those documents load one by one.
            workers
                .into_iter()
                .filter_map(|w| w.join().ok())
                .flatten()
                .collect()
        }))
    }
}
