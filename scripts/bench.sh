#!/usr/bin/env bash
# Every benchmark, in release mode. Each prints its figures and writes them to
# target/bench/NAME.json as {"figures": [{"name", "value", "unit", "target"}]}.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

# onsite-tests holds the server benchmarks: sync (first sync, no-op sync, one edited
# order among 10,000), load (500 devices syncing at once) and server_trust (what hostile
# pushes and sign-ins cost: memory for a deflate bomb and huge logins, /health during a
# heavy push).
cargo bench -p onsite-core -p onsite-device -p onsite-tests

# onsite-report: the service report PDF of an order with 6 photos and a signature, as the
# phone renders it offline (target < 1 s).
cargo bench -p onsite-report --bench report

# onsite-server: the KPI query over 50,000 orders from the office's KPI rows (target
# < 500 ms), and what indexing one changed order document costs.
cargo bench -p onsite-server --bench kpi

# onsite-commands: a 40 MP photo's peak memory through the command path, as the shell
# hands over the raw body, through the real bridge binary, and the old JSON array
# (photo_ipc; it runs the bridge, so it needs that feature).
cargo bench -p onsite-commands --features bridge --bench photo_ipc

# The sync and load figures again with the server on PostgreSQL (a throw-away cluster,
# as in the tests), written to target/bench/{sync,load}-postgres.json.
(. scripts/pg.sh && cargo bench -p onsite-tests --bench sync --bench load)

echo
echo "==> figures (target/bench/*.json)"
for f in target/bench/*.json; do
  node -e '
    const { figures } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const f of figures) console.log(`${process.argv[2].padEnd(16)} ${f.name.padEnd(48)} ${String(f.value).padStart(12)} ${f.unit.padEnd(6)} target ${f.target ?? "-"}`);
  ' "$f" "$(basename "$f" .json)"
done
