#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints (with and without the GUI), docs, and all
# tests. Tests run inside a private D-Bus session with a fresh, unlocked gnome-keyring, so
# the keyring tests use a real Secret Service and never touch the user's own keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
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

step "tests (private D-Bus session + gnome-keyring, Xvfb for the window test)"
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
export OCRCHAT_TEST_KEYRING_HOME="$keyring_home"
dbus-run-session -- bash -c '
  set -euo pipefail
  # A fresh login keyring in a temporary home, unlocked with a throwaway password.
  eval "$(printf test | XDG_DATA_HOME="$OCRCHAT_TEST_KEYRING_HOME" HOME="$OCRCHAT_TEST_KEYRING_HOME" \
      gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  export OCRCHAT_TEST_SECRET_SERVICE=1
  cargo test 2>&1
'
