#!/usr/bin/env bash
# kill -9 benchmark (issue #8 §1): runs `ocrchat ask` against a local server that streams,
# pauses 1.5 s and streams again, kills it with SIGKILL at a uniform random moment, and
# reports how much of the text already sent was missing from the history afterwards, over
# TRIALS trials (default 100), plus integrity_check failures.
#
#   bash scripts/bench-kill.sh [TRIALS]
#   BASELINE=<git revision> bash scripts/bench-kill.sh [TRIALS]
#
# With BASELINE, that revision's binary is built (in its own target directory: slow the
# first time) and measured in the same run, before this tree's, for a comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ocrchat/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export OCRCHAT_KILL_TRIALS="${1:-100}"

run() {
  cargo test --quiet --test durability_kill kill_bench -- --ignored --nocapture --test-threads 1 \
    | grep -v '^running\|^test \|^$\|^\.*$\|test result'
}

if [[ -n "${BASELINE:-}" ]]; then
  src="$(mktemp -d)"
  trap 'rm -rf "$src"' EXIT
  git archive "$BASELINE" | tar -x -C "$src"
  (cd "$src" && cargo build --quiet --no-default-features --bin ocrchat \
    --target-dir "$CARGO_TARGET_DIR/bench-kill-baseline")
  echo "== baseline: $BASELINE"
  OCRCHAT_BIN="$CARGO_TARGET_DIR/bench-kill-baseline/debug/ocrchat" run
fi
echo "== this tree: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)')"
run
