#!/usr/bin/env bash
# Installs what is missing, then runs every check CI runs: formatting, lints (with and
# without the GUI), docs, and all tests. Tests run inside a private D-Bus session with a
# fresh, unlocked gnome-keyring, so the keyring tests use a real Secret Service and never
# touch the user's own keyring; the window test starts its own Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ocrchat/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (gui, all targets)"
cargo clippy --all-targets -- -D warnings

step "cargo clippy (core and CLI only: proves they never reach egui)"
cargo clippy --no-default-features --lib --bins -- -D warnings

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet

step "tests (inside a private D-Bus session with a fresh gnome-keyring)"
scripts/with-keyring.sh cargo test
