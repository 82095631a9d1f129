#!/usr/bin/env bash
# Installs what is missing, then builds and starts the app (release build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ocrchat/target}"
exec cargo run --release -- "$@"
