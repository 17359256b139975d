#!/usr/bin/env bash
# The whole test suite, stopping at the first failure. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all --check

step "generated TypeScript types are fresh (ui/src/lib/gen/types.ts)"
cargo run --quiet -p onsite-commands --bin onsite-gen-types
git diff --exit-code -- ui/src/lib/gen/ || { echo "ui/src/lib/gen/ is stale: commit the regenerated file" >&2; exit 1; }

step "UI type check and build (the app embeds ui/dist)"
(cd ui && npm run --silent check && npm run --silent build)

step "lint"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p onsite-commands --all-targets --features bridge -- -D warnings

step "Rust tests"
# The replica and migration scenarios need PostgreSQL: they run in its pass below.
cargo nextest run --workspace -E 'not (binary(replicas) | binary(migrate_to))'
cargo test --workspace --doc --quiet

step "the scenario suite again on PostgreSQL (a throw-away server in a temporary folder)"
. scripts/pg.sh
# Not on PostgreSQL: `backup` and `restore` copy the SQLite file (PostgreSQL's are
# pg_dump and pg_restore, docs/operations.md), and the disk-full scenarios fill the disk
# under the SQLite file.
cargo nextest run -p onsite-tests -E 'not (binary(restore) | binary(restore_busy_hour) | binary(server_disk_full))'

step "convergence, cut connections and reconciliation with two replicas behind a balancer"
# Every test server is then two onsite-server replicas on one database, each HTTP
# request reaching one of them at random (tests/src/balancer.rs).
ONSITE_TEST_REPLICAS=2 cargo nextest run -p onsite-tests \
  -E 'binary(convergence) | binary(cut_connections) | binary(reconciliation) | binary(device_sync)'
unset ONSITE_TEST_POSTGRES

step "UI unit tests"
(cd ui && npm test --silent)

step "build the binaries (server, development bridge, app)"
cargo build --workspace --bins
cargo build -p onsite-commands --features bridge --bin onsite-bridge

step "the HTTP API against schemathesis, as a technician and a supervisor: no 5xx"
./scripts/schemathesis.sh

step "UI at phone and desk sizes in Chromium, against a real server and the Rust commands (bridge)"
export ONSITE_SERVER="$CARGO_TARGET_DIR/debug/onsite-server" ONSITE_BRIDGE="$CARGO_TARGET_DIR/debug/onsite-bridge"
(cd ui && npm run --silent test:phone && npm run --silent test:desk)

step "the real desktop app (two instances) and a real server, through tauri-driver"
ONSITE_APP="$CARGO_TARGET_DIR/debug/onsite" ONSITE_SERVER="$CARGO_TARGET_DIR/debug/onsite-server" \
  xvfb-run -a --server-args="-screen 0 1920x1080x24" npm --prefix ui run --silent test:app

step "all tests passed"
