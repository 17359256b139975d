#!/usr/bin/env bash
# The long fault runs (issue 18), each printing its figures. The test command runs the
# bounded version of each; this runs them long. Sizes can be set from the environment:
#   KILLS        SIGKILLs of the device writer            (default 1000)
#   SERVER_KILLS SIGKILLs of the server mid-sync          (default 200)
#   SOAK_DEVICES, SOAK_SECONDS  the soak                  (default 50 devices, 600 s)
#   RESTORE_DEVICES, RESTORE_EDITS, RESTORE_PHOTOS        (default 20, 200 each, 5 each)
#   CUT_RUNS     connections cut at a random byte         (default 500)
#   DISK_ROUNDS, DISK_DEVICES  the server's disk filled and freed (default 20 rounds, 10)
#   FUZZ_SECONDS libFuzzer time per fuzz target           (default 120)
#   EXAMPLES     schemathesis cases per operation         (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh

KILLS="${KILLS:-1000}"
SERVER_KILLS="${SERVER_KILLS:-200}"
SOAK_DEVICES="${SOAK_DEVICES:-50}"
SOAK_SECONDS="${SOAK_SECONDS:-600}"
RESTORE_DEVICES="${RESTORE_DEVICES:-20}"
RESTORE_EDITS="${RESTORE_EDITS:-200}"
RESTORE_PHOTOS="${RESTORE_PHOTOS:-5}"
CUT_RUNS="${CUT_RUNS:-500}"
DISK_ROUNDS="${DISK_ROUNDS:-20}"
DISK_DEVICES="${DISK_DEVICES:-10}"
FUZZ_SECONDS="${FUZZ_SECONDS:-120}"
EXAMPLES="${EXAMPLES:-100}"

# Each step says how long the run has taken so far: the whole suite is meant to fit in
# an hour on a 2-core machine.
# The long runs are release builds: they are CPU-bound in Automerge and SQLite, which a
# debug build runs several times slower. The benchmarks leave the same build behind.
step() { printf '\n==> [%d min %02d s] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

step "SIGKILL of the device writer at random moments, $KILLS times"
ONSITE_KILLS="$KILLS" cargo nextest run --profile faults --release -p onsite-device --test crash_safety --no-capture 2>&1 |
  grep -E "crash-safety|PASS|FAIL|panicked"

step "SIGKILL of the server while four devices sync, $SERVER_KILLS times"
ONSITE_SERVER_KILLS="$SERVER_KILLS" cargo nextest run --profile faults --release -p onsite-tests --test server_kill --no-capture 2>&1 |
  grep -E "server kills|server_kill seed|PASS|FAIL|panicked"

step "soak: $SOAK_DEVICES devices on and off line for $SOAK_SECONDS s, the server restarted halfway"
ONSITE_SOAK_DEVICES="$SOAK_DEVICES" ONSITE_SOAK_SECONDS="$SOAK_SECONDS" \
  cargo nextest run --profile faults --release -p onsite-tests --test soak --no-capture 2>&1 |
  grep -E "soak|PASS|FAIL|panicked"

step "connections cut at a random byte in both directions, $CUT_RUNS runs"
ONSITE_CUT_RUNS="$CUT_RUNS" cargo nextest run --profile faults --release -p onsite-tests --test cut_connections --no-capture 2>&1 |
  grep -E "cut|PASS|FAIL|panicked" | tail -20

step "restore of a backup taken before a busy hour: $RESTORE_DEVICES devices, $RESTORE_EDITS changes and $RESTORE_PHOTOS photos each"
ONSITE_RESTORE_DEVICES="$RESTORE_DEVICES" ONSITE_RESTORE_EDITS="$RESTORE_EDITS" ONSITE_RESTORE_PHOTOS="$RESTORE_PHOTOS" \
  cargo nextest run --profile faults --release -p onsite-tests --test restore_busy_hour --no-capture 2>&1 |
  grep -E "restore after|PASS|FAIL|panicked"

step "server disk full under $DISK_DEVICES devices, then space freed, $DISK_ROUNDS times"
ONSITE_DISK_FULL_ROUNDS="$DISK_ROUNDS" ONSITE_DISK_FULL_DEVICES="$DISK_DEVICES" \
  cargo nextest run --profile faults --release -p onsite-tests --test server_disk_full --no-capture 2>&1 |
  grep -E "server disk full|PASS|FAIL|panicked"

step "the HTTP API against schemathesis, $EXAMPLES cases per operation"
cargo build --quiet -p onsite-server --bin onsite-server
EXAMPLES="$EXAMPLES" ./scripts/schemathesis.sh

step "fuzzing, $FUZZ_SECONDS s per target (cargo fuzz, libFuzzer)"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
# cargo fuzz passes nightly-only flags (the sanitizer); the machine has only the stable
# toolchain, which takes them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
# Its own build folder: the sanitizer's flags would otherwise invalidate the main cache.
fuzz_target_dir="$HOME/.cache/onsite/target-fuzz"
for target in $(cargo fuzz list); do
  mkdir -p "fuzz/regressions/$target"
  echo "--- $target"
  # New inputs go to a scratch corpus; the committed corpus stays the seeds (`cargo fuzz
  # cmin` can shrink a long run's findings before they are committed).
  scratch=$(mktemp -d)
  if ! CARGO_TARGET_DIR="$fuzz_target_dir" cargo fuzz run "$target" "$scratch" "fuzz/corpus/$target" -- \
      -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=4096 -print_final_stats=1 2>"$scratch.log"; then
    cp fuzz/artifacts/"$target"/* "fuzz/regressions/$target/" 2>/dev/null || true
    tail -40 "$scratch.log"
    echo "faults: $target crashed; the input is in fuzz/regressions/$target/ (replayed by tests/tests/fuzz_corpora.rs)" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$scratch.log" | tail -2
  echo "new corpus inputs: $(ls "$scratch" | wc -l)"
  rm -rf "$scratch" "$scratch.log"
done

step "all fault runs passed"
