//! Crash safety: a child process makes order edits and reports each one after its
//! commit returns; it is killed with SIGKILL at random moments, 30 times. After every
//! kill the store reopens, passes `PRAGMA integrity_check`, and holds every
//! acknowledged edit.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use onsite_core::OrderId;
use onsite_device::Store;

/// Kills in the test command's bounded run; `ONSITE_KILLS` sets more (`./scripts/faults.sh`).
const ROUNDS: usize = 30;

/// Kills one device store takes before a long run moves on to a fresh one: every round
/// checks every edit acknowledged so far, and twelve orders with thousands of comments
/// each would make the long run test huge documents rather than the kills.
const KILLS_PER_DEVICE: usize = 100;

fn rounds() -> usize {
    std::env::var("ONSITE_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ROUNDS)
}

#[test]
fn acknowledged_edits_survive_sigkill_at_random_moments() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    eprintln!("crash-safety seed {seed} (set CRASH_SEED to replay)");
    let mut acked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut total = 0usize;

    let rounds = rounds();
    for round in 0..rounds {
        let db = dir
            .path()
            .join(format!("device-{}.db", round / KILLS_PER_DEVICE));
        if round % KILLS_PER_DEVICE == 0 {
            acked.clear();
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_onsite-crash-writer"))
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the crash writer")?;
        let stdout = child.stdout.take().context("child stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        // Kill after a random number of acknowledged edits: sometimes before the first
        // one, mostly in the middle of the next edit (or a compaction).
        let kill_after = if rng.u8(..10) == 0 {
            0
        } else {
            rng.usize(1..40)
        };
        let mut seen = 0;
        while seen < kill_after {
            let Some(line) = lines.next() else {
                bail!("round {round}: the writer stopped on its own after {seen} edits");
            };
            let line = line?;
            if let Some(rest) = line.strip_prefix("ack ") {
                let (order, comment) = rest.split_once(' ').context("malformed ack")?;
                acked
                    .entry(order.into())
                    .or_default()
                    .insert(comment.into());
                seen += 1;
            }
        }
        child.kill().context("SIGKILL")?;
        child.wait()?;
        total += seen;

        let mut store = Store::open(&db).with_context(|| format!("round {round}: reopening"))?;
        assert_eq!(
            store.integrity_check()?,
            "ok",
            "round {round}: integrity_check"
        );
        for (order, comments) in &acked {
            let doc = store
                .order(OrderId(order.parse()?))
                .with_context(|| format!("round {round}: loading order {order}"))?;
            let present: BTreeSet<String> = doc.comments.iter().map(|c| c.id.to_string()).collect();
            let missing: Vec<_> = comments.difference(&present).collect();
            assert!(
                missing.is_empty(),
                "round {round}: acknowledged edits lost on order {order}: {missing:?}"
            );
        }
        assert!(
            store.quarantined_documents()?.is_empty(),
            "round {round}: nothing corrupt"
        );
    }
    assert!(
        total > rounds,
        "the test must actually kill writers mid-stream ({total} edits)"
    );
    // The figure `./scripts/faults.sh` prints.
    eprintln!(
        "crash-safety: {rounds} SIGKILLs over {} device stores, {total} acknowledged edits, 0 lost, integrity_check ok every time",
        rounds.div_ceil(KILLS_PER_DEVICE)
    );
    Ok(())
}
