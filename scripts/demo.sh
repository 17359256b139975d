#!/usr/bin/env bash
# The demo: builds Onsite, starts the sync server on an embedded SQLite file under
# ./demo-data (seeded with a demo office the first time), and opens two app windows:
# a technician's phone and the office desk, each with its own device data. Sign in with
# the logins in the README. Closing both windows stops the server.
# On a machine without a display, run it as: xvfb-run ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh

(cd ui && npm run --silent build)
cargo build --workspace --bins

server_bin="$CARGO_TARGET_DIR/debug/onsite-server"
app_bin="$CARGO_TARGET_DIR/debug/onsite"
mkdir -p demo-data/phone demo-data/desk
if [ ! -f demo-data/server/server.db ]; then
  "$server_bin" seed-demo --data demo-data/server
fi
"$server_bin" serve --data demo-data/server --listen 127.0.0.1:8787 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT

echo "demo: sync server on http://127.0.0.1:8787 (data in demo-data/server)"
echo "demo: phone window - sign in as tech / onsite-demo; desk window - dispatcher / onsite-demo"
ONSITE_DATA_DIR="$PWD/demo-data/phone" ONSITE_WINDOW_SIZE=420x860 "$app_bin" &
phone=$!
ONSITE_DATA_DIR="$PWD/demo-data/desk" "$app_bin" &
desk=$!
wait $phone $desk
