#!/usr/bin/env bash
# The long fault runs (issue 18), each printing its figures. The test command runs the
# bounded version of each; this runs them long. Sizes can be set from the environment:
#   KILLS        SIGKILLs of the device writer            (default 1000)
#   CUT_RUNS     connections cut at a random byte         (default 500)
#   FUZZ_SECONDS libFuzzer time per fuzz target           (default 300)
#   EXAMPLES     schemathesis cases per operation         (default 300)
# Not built yet, so not run here: SIGKILL of the server during sync rounds, the disk-full
# long run, restore after a busy hour with photos, and the 10-minute soak.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh

KILLS="${KILLS:-1000}"
CUT_RUNS="${CUT_RUNS:-500}"
FUZZ_SECONDS="${FUZZ_SECONDS:-300}"
EXAMPLES="${EXAMPLES:-300}"

step() { printf '\n==> %s\n' "$*"; }

step "SIGKILL of the device writer at random moments, $KILLS times"
ONSITE_KILLS="$KILLS" cargo nextest run -p onsite-device --test crash_safety --no-capture 2>&1 |
  grep -E "crash-safety|PASS|FAIL|panicked"

step "connections cut at a random byte in both directions, $CUT_RUNS runs"
ONSITE_CUT_RUNS="$CUT_RUNS" cargo nextest run -p onsite-tests --test cut_connections --no-capture 2>&1 |
  grep -E "cut|PASS|FAIL|panicked" | tail -20

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
