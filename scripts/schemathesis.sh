#!/usr/bin/env bash
# The server's HTTP API against schemathesis: requests generated from its own
# /openapi.json, sent as a technician and as a supervisor, to a seeded demo server. Any
# 5xx, a dropped connection or a panic in the server's log fails the run. Bounded by
# EXAMPLES, the cases per operation (20 by default, about a minute; EXAMPLES=200 for a
# longer run). Called by ./scripts/test.sh after the binaries are built.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

EXAMPLES="${EXAMPLES:-20}"
server="$CARGO_TARGET_DIR/debug/onsite-server"
schemathesis="$ONSITE_VENV/bin/schemathesis"
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$server" seed-demo --data "$work/server" >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$server" serve --data "$work/server" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
# Waits until the server answers (curl retries a refused connection with back-off).
curl -sf --retry 30 --retry-connrefused --retry-max-time 30 "$base/health" >/dev/null

# A device token for a demo account (password in sync-server/src/seed.rs).
token() {
  curl -sf "$base/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"login\":\"$1\",\"password\":\"onsite-demo\",\"device_id\":\"$(python3 -c 'import uuid; print(uuid.uuid4())')\",\"device_name\":\"schemathesis ($1)\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# Operations that end the caller's own session (revoking a device, disabling a user,
# changing a password or role) would turn the rest of a run into 401s: they get a run
# of their own, last.
ending='/(revoke|disable|password|role)$'
# Both tokens before any run: the runs send generated sign-ins, which use up this
# address's sign-in allowance, so a sign-in between two runs could get a 429.
declare -A tokens=([tech]="$(token tech)" [supervisor]="$(token supervisor)")
run() {
  local who=$1
  shift
  echo "==> schemathesis as $who ($EXAMPLES cases per operation)"
  # Run from the temporary folder: schemathesis keeps its example database in the
  # working directory, and the checkout should not gain one.
  local auth="Authorization: Bearer ${tokens[$who]}"
  (cd "$work" && "$schemathesis" run "$base/openapi.json" -H "$auth" \
    --checks not_a_server_error --max-examples "$EXAMPLES" --workers 1 "$@") >"$work/$who.log" 2>&1 ||
    { cat "$work/$who.log"; echo "schemathesis: the server failed a generated request as $who" >&2; exit 1; }
  grep -E "generated|passed|failed" "$work/$who.log" | tail -2
}
run tech --exclude-path-regex "$ending"
run supervisor --exclude-path-regex "$ending"
run supervisor --include-path-regex "$ending"

if grep -q "panicked" "$work/server.log"; then
  grep -B2 -A10 "panicked" "$work/server.log" >&2
  echo "schemathesis: the server panicked" >&2
  exit 1
fi
echo "schemathesis: no server error"
