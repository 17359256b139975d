# Sourced by the scripts: one build cache outside the checkout, so a fresh clone (as in
# CI) reuses earlier builds instead of compiling Tauri from scratch.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/onsite/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Python tools for the tests (schemathesis), in a virtual environment beside the cache.
export ONSITE_VENV="${ONSITE_VENV:-$HOME/.cache/onsite/venv}"
