#!/usr/bin/env bash
# Installs what Onsite needs to build, test and run on Debian 12, and nothing that is
# already there. Safe to run again. Expects Rust (rustup) and Node.js 20+ on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev
  webkit2gtk-driver xvfb xauth chromium fonts-noto-cjk
  # the held-change suite plays a tampered device by editing its store
  sqlite3
  # the service report test reads its PDF back (pdftotext, pdffonts, pdftoppm)
  poppler-utils
  # the server's second engine: the scenarios run on a throw-away cluster (scripts/pg.sh)
  postgresql
  # schemathesis runs from a virtual environment (scripts/requirements-test.txt)
  python3 python3-venv
)

need() { command -v "$1" >/dev/null 2>&1; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need cargo || { echo "setup: Rust is missing; install it with rustup (https://rustup.rs) first." >&2; exit 1; }
need node || { echo "setup: Node.js 20 or newer is missing; install it first." >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "setup: Node.js $node_major is too old; Onsite needs 20 or newer." >&2; exit 1; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

need tauri-driver || cargo install --locked tauri-driver
need cargo-nextest || cargo install --locked cargo-nextest

(cd ui && npm ci --no-audit --no-fund --loglevel=error)

. scripts/env.sh
[ -x "$ONSITE_VENV/bin/pip" ] || python3 -m venv "$ONSITE_VENV"
"$ONSITE_VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
