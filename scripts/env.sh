# Sourced by the scripts: one build cache outside the checkout, so a fresh clone (as in
# CI) reuses earlier builds instead of compiling Tauri from scratch.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/onsite/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
