#!/usr/bin/env bash
# The demo: builds Onsite, starts the sync server on an embedded SQLite file under
# ./demo-data, and opens the desktop app. Closing the app stops the server.
# On a machine without a display, run it as: xvfb-run ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh

(cd ui && npm run --silent build)
cargo build --workspace --bins

server_bin="$CARGO_TARGET_DIR/debug/onsite-server"
mkdir -p demo-data/device
if [ ! -f demo-data/server/server.db ]; then
  "$server_bin" seed-demo --data demo-data/server
fi
"$server_bin" serve --data demo-data/server --listen 127.0.0.1:8787 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT

echo "demo: sync server on http://127.0.0.1:8787 (data in demo-data/server)"
ONSITE_DATA_DIR="$PWD/demo-data/device" "$CARGO_TARGET_DIR/debug/onsite"
