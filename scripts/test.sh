#!/usr/bin/env bash
# The whole test suite, stopping at the first failure. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all --check

step "UI type check and build (the app embeds ui/dist)"
(cd ui && npm run --silent check && npm run --silent build)

step "lint"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust tests"
cargo nextest run --workspace
cargo test --workspace --doc --quiet

step "UI unit tests"
(cd ui && npm test --silent)

step "UI at phone size in Chromium"
(cd ui && npm run --silent test:phone)

step "the real desktop app through tauri-driver"
cargo build --workspace --bins
ONSITE_APP="$CARGO_TARGET_DIR/debug/onsite" xvfb-run -a --server-args="-screen 0 1280x800x24" \
  npm --prefix ui run --silent test:app

step "all tests passed"
