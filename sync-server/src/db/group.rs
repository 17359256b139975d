//! Group commit for sync round trips. With `synchronous=FULL` every commit waits for an
//! fsync (milliseconds on a VM disk), and one connection serialises the commits, so
//! a fleet syncing at once (the 500-device bar) queues behind fsyncs rather than work.
//! Round trips that arrive together therefore share one transaction: each runs in its
//! own savepoint (a failing one is rolled back alone), the group commits once, and only
//! then does any member get its answer, so a response still means "durably stored".
//!
//! One leader at a time drains the queue on a blocking thread; a lone request is a
//! group of one and waits for nobody.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};

use super::{Connection, StoreError};

use super::Db;
use crate::error::ApiError;

/// Most round trips in one group: bounds how long the first member waits for the last.
pub const MAX_GROUP: usize = 32;

/// One queued unit of work and the caller waiting for its outcome.
trait Member: Send {
    /// Runs the work inside the open savepoint; false if it failed (roll it back).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller: its own outcome, or `failure` if the group did not commit.
    fn finish(self: Box<Self>, failure: Option<&StoreError>);
}

struct Typed<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, ApiError>>,
    reply: tokio::sync::oneshot::Sender<Result<T, ApiError>>,
}

impl<T, F> Member for Typed<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, ApiError> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        // A panic must not take the whole group (and the leader) down with it.
        let outcome = catch_unwind(AssertUnwindSafe(|| work(conn)))
            .unwrap_or_else(|_| Err(ApiError::internal("a sync round trip panicked")));
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(self: Box<Self>, failure: Option<&StoreError>) {
        let outcome = match (failure, self.outcome) {
            // Its own error stands even if the group failed too: it was not stored anyway.
            (_, Some(Err(e))) => Err(e),
            // A full disk shows at COMMIT, when the write-ahead log grows: still a 507.
            (Some(failure), _) => Err(ApiError::database(
                "committing a group of sync round trips",
                failure,
            )),
            (None, Some(ok)) => ok,
            (None, None) => Err(ApiError::internal("a sync round trip was never run")),
        };
        let _ = self.reply.send(outcome);
    }
}

/// The queue of round trips waiting for a group, and whether a leader is draining it.
#[derive(Default)]
pub(crate) struct Groups {
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    members: VecDeque<Box<dyn Member>>,
    leading: bool,
}

impl Groups {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Db {
    /// Runs `work` in a transaction shared with the other round trips queued at the
    /// same moment (see the module docs). The result arrives after the commit; if the
    /// commit fails, every member of the group gets an error and none of it was stored.
    pub async fn group_transaction<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let lead = {
            let mut queue = self.1.lock();
            queue.members.push_back(Box::new(Typed {
                work: Some(work),
                outcome: None,
                reply,
            }));
            !std::mem::replace(&mut queue.leading, true)
        };
        if lead {
            let db = self.clone();
            tokio::task::spawn_blocking(move || db.lead_groups());
        }
        answer
            .await
            .map_err(|_| ApiError::internal("the group commit ended without an answer"))?
    }

    /// Commits groups until the queue is empty, then steps down.
    fn lead_groups(&self) {
        loop {
            let group: Vec<Box<dyn Member>> = {
                let mut queue = self.1.lock();
                if queue.members.is_empty() {
                    queue.leading = false;
                    return;
                }
                let n = queue.members.len().min(MAX_GROUP);
                queue.members.drain(..n).collect()
            };
            metrics::histogram!("onsite_sync_group_size").record(group.len() as f64);
            self.commit_group(group);
        }
    }

    fn commit_group(&self, mut group: Vec<Box<dyn Member>>) {
        let conn = self.conn();
        let mut failure = conn.begin_write().err();
        if failure.is_none() {
            for member in &mut group {
                if let Err(e) = conn.execute_batch("SAVEPOINT round_trip") {
                    failure = Some(e);
                    break;
                }
                let end = if member.run(&conn) {
                    conn.execute_batch("RELEASE round_trip")
                } else {
                    conn.execute_batch("ROLLBACK TO round_trip; RELEASE round_trip")
                };
                if let Err(e) = end {
                    failure = Some(e);
                    break;
                }
            }
        }
        if failure.is_none() {
            let committing = std::time::Instant::now();
            failure = conn.execute_batch("COMMIT").err();
            crate::sync::phases::record(crate::sync::phases::COMMIT, committing);
        }
        if failure.is_some() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        drop(conn);
        if let Some(e) = &failure {
            tracing::error!(error = %e, members = group.len(), "group commit failed");
        }
        for member in group {
            member.finish(failure.as_ref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = super::super::open(dir.path()).expect("open");
        db.conn()
            .execute_batch("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)")
            .expect("table");
        (dir, db)
    }

    fn values(db: &Db) -> Vec<i64> {
        let conn = db.conn();
        let mut stmt = conn.prepare("SELECT v FROM t ORDER BY v").expect("prepare");
        let rows = stmt.query_map((), |r| r.get(0)).expect("query");
        rows.collect::<Result<_, _>>().expect("rows")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn members_commit_together_and_a_failing_one_is_rolled_back_alone() {
        let (_dir, db) = db();
        let mut tasks = tokio::task::JoinSet::new();
        for v in 0..100i64 {
            let db = db.clone();
            tasks.spawn(async move {
                db.group_transaction(move |conn| {
                    conn.execute("INSERT INTO t (v) VALUES (?1)", [v])?;
                    if v % 10 == 3 {
                        // Written, then refused: its savepoint must take the row back.
                        return Err(ApiError::internal("refused"));
                    }
                    Ok(v)
                })
                .await
            });
        }
        let mut ok = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            if let Ok(v) = joined.expect("task") {
                ok.push(v);
            }
        }
        ok.sort();
        let want: Vec<i64> = (0..100).filter(|v| v % 10 != 3).collect();
        assert_eq!(ok, want, "every member but the refused ones succeeded");
        assert_eq!(values(&db), want, "and exactly their rows were committed");
    }

    #[tokio::test]
    async fn a_panicking_member_fails_alone() {
        let (_dir, db) = db();
        let panicked = db
            .group_transaction(|conn| -> Result<(), ApiError> {
                conn.execute("INSERT INTO t (v) VALUES (1)", ())?;
                panic!("bug in a round trip");
            })
            .await;
        assert!(panicked.is_err(), "the panic comes back as an error");
        let fine = db
            .group_transaction(|conn| Ok(conn.execute("INSERT INTO t (v) VALUES (2)", ())?))
            .await;
        assert!(fine.is_ok(), "and the next group still commits: {fine:?}");
        assert_eq!(values(&db), vec![2], "without the panicking member's row");
    }
}
