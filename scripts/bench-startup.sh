#!/usr/bin/env bash
# Cold start to first frame and idle resident memory of ocrchat under Xvfb, against a bare
# eframe window (examples/bare_window.rs) measured in the same run.
#
# Each round starts each program once, alternating, with fresh empty XDG_CONFIG_HOME and
# XDG_DATA_HOME (a first launch: no providers, no history) and the working directory set to
# that temporary directory (so no ./.env is picked up). "First frame" is the end of the first
# `ui` pass: both programs write $OCRCHAT_FIRST_FRAME_FILE there; the script polls for it every
# ~2 ms from spawn. Then the program idles 2 s and VmRSS (the target's measure) and RssAnon
# (its private heap/stacks, without shared library pages) are read from /proc. One uncounted
# launch of each comes first, so the page cache is warm: a cold start of the process, not
# of the disk.
#
# Usage: bash scripts/bench-startup.sh [ROUNDS]   (default 5; env: BENCH_DISPLAY, BENCH_IDLE_S)
# Prints figures only; exits non-zero only when a build, Xvfb or a program fails.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ocrchat/target}"

rounds="${1:-5}"
idle_s="${BENCH_IDLE_S:-2}"
first_frame_timeout_s=30
target_ms=300
target_mb=120

die() { echo "bench-startup: $*" >&2; exit 1; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$rounds'"
command -v Xvfb >/dev/null || die "Xvfb is missing; run: bash scripts/setup.sh"

echo "==> cargo build --release --bin ocrchat --example bare_window"
cargo build --release --quiet --bin ocrchat --example bare_window
app_bin="$CARGO_TARGET_DIR/release/ocrchat"
bare_bin="$CARGO_TARGET_DIR/release/examples/bare_window"
[[ -x "$app_bin" && -x "$bare_bin" ]] || die "built binaries not found under $CARGO_TARGET_DIR/release"

work="$(mktemp -d)"
xvfb_pid=""
child_pid=""
cleanup() {
  if [[ -n "$child_pid" ]]; then kill "$child_pid" 2>/dev/null || true; wait "$child_pid" 2>/dev/null || true; fi
  if [[ -n "$xvfb_pid" ]]; then kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free display number: no lock file and no socket.
display="${BENCH_DISPLAY:-97}"
while [[ -e "/tmp/.X${display}-lock" || -e "/tmp/.X11-unix/X${display}" ]]; do
  display=$((display + 1))
done
Xvfb ":$display" -screen 0 1920x1080x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!

# A pipe nothing writes to: `read -t` on it sleeps without forking a `sleep` process, so the
# polling loop below forks nothing while the program under test starts.
exec {never}<> <(:)
nap() { read -rt "$1" -u "$never" || true; }

for _ in $(seq 500); do
  [[ -S "/tmp/.X11-unix/X${display}" ]] && break
  kill -0 "$xvfb_pid" 2>/dev/null || { cat "$work/xvfb.log" >&2; die "Xvfb :$display did not start"; }
  nap 0.01
done
[[ -S "/tmp/.X11-unix/X${display}" ]] || die "Xvfb :$display did not start within 5 s"

# run_one NAME BINARY [warmup] -> appends "first_frame_us vmrss_kib rssanon_kib" to $work/NAME.txt
# (a warm-up run only waits for the first frame and records nothing)
run_one() {
  local name="$1" bin="$2" warmup="${3:-}"
  local dir
  dir="$(mktemp -d "$work/$name.XXXX")"
  mkdir -p "$dir/config" "$dir/data"
  local ff="$dir/first-frame"
  local start end rss
  start=${EPOCHREALTIME/./} # µs, without forking (LC_ALL=C keeps the separator a dot)
  (
    cd "$dir"
    unset WAYLAND_DISPLAY
    export DISPLAY=":$display" XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data" \
      OCRCHAT_FIRST_FRAME_FILE="$ff" RUST_LOG=warn
    exec "$bin"
  ) >"$dir/stdout" 2>"$dir/stderr" &
  child_pid=$!
  local deadline=$((start + first_frame_timeout_s * 1000000))
  while [[ ! -e "$ff" ]]; do
    if ! kill -0 "$child_pid" 2>/dev/null; then
      tail -n 20 "$dir/stderr" >&2
      die "$name exited before its first frame"
    fi
    ((${EPOCHREALTIME/./} < deadline)) || { tail -n 20 "$dir/stderr" >&2; die "$name showed no frame within ${first_frame_timeout_s} s"; }
    nap 0.002
  done
  end=${EPOCHREALTIME/./}
  if [[ -z "$warmup" ]]; then
    nap "$idle_s"
    kill -0 "$child_pid" 2>/dev/null || { tail -n 20 "$dir/stderr" >&2; die "$name exited while idle"; }
    rss=$(awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } END { print r, a }' "/proc/$child_pid/status")
  fi
  kill "$child_pid" 2>/dev/null || true
  wait "$child_pid" 2>/dev/null || true
  child_pid=""
  if [[ -n "$warmup" ]]; then
    printf '  %-8s warm-up, first frame %.1f ms (not counted)\n' "$name" "$(awk -v us="$((end - start))" 'BEGIN { print us / 1000 }')"
    return
  fi
  echo "$((end - start)) $rss" >>"$work/$name.txt"
  awk -v name="$name" -v us="$((end - start))" -v rss="$rss" 'BEGIN {
    split(rss, r, " ")
    printf "  %-8s first frame %7.1f ms   idle VmRSS %6.1f MiB (RssAnon %5.1f MiB)\n", name, us / 1000, r[1] / 1024, r[2] / 1024
  }'
}

echo "==> $rounds rounds on Xvfb :$display ($(nproc) CPUs, idle ${idle_s} s before reading VmRSS)"
# One uncounted launch of each first, so every counted launch finds the binaries and the
# Mesa/LLVM libraries in the page cache (a "cold" start of the process, not of the disk).
run_one bare "$bare_bin" warmup
run_one ocrchat "$app_bin" warmup
for round in $(seq "$rounds"); do
  echo "round $round"
  run_one bare "$bare_bin"
  run_one ocrchat "$app_bin"
done

# median COLUMN FILE (1: first frame µs, 2: VmRSS KiB, 3: RssAnon KiB); min COLUMN FILE
median() { cut -d' ' -f"$1" "$2" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { cut -d' ' -f"$1" "$2" | sort -n | head -n 1; }

bare_ff=$(median 1 "$work/bare.txt"); bare_ff_min=$(minimum 1 "$work/bare.txt")
bare_rss=$(median 2 "$work/bare.txt"); bare_anon=$(median 3 "$work/bare.txt")
app_ff=$(median 1 "$work/ocrchat.txt"); app_ff_min=$(minimum 1 "$work/ocrchat.txt")
app_rss=$(median 2 "$work/ocrchat.txt"); app_anon=$(median 3 "$work/ocrchat.txt")

echo
awk -v bf="$bare_ff" -v bm="$bare_ff_min" -v br="$bare_rss" -v ba="$bare_anon" \
    -v af="$app_ff" -v am="$app_ff_min" -v ar="$app_rss" -v aa="$app_anon" \
    -v tms="$target_ms" -v tmb="$target_mb" -v n="$rounds" 'BEGIN {
  printf "%-22s %16s %16s %18s %18s\n", "program (" n " rounds)", "first frame p50", "first frame min", "idle VmRSS p50", "idle RssAnon p50"
  printf "%-22s %13.1f ms %13.1f ms %14.1f MiB %14.1f MiB\n", "bare eframe window", bf / 1000, bm / 1000, br / 1024, ba / 1024
  printf "%-22s %13.1f ms %13.1f ms %14.1f MiB %14.1f MiB\n", "ocrchat", af / 1000, am / 1000, ar / 1024, aa / 1024
  printf "%-22s %+13.1f ms %+13.1f ms %+14.1f MiB %+14.1f MiB\n", "ocrchat - bare", (af - bf) / 1000, (am - bm) / 1000, (ar - br) / 1024, (aa - ba) / 1024
  printf "%-22s %14.2fx %15.2fx %16.2fx %16.2fx\n", "ocrchat / bare", af / bf, am / bm, ar / br, aa / ba
  mb = ar * 1024 / 1e6 # the target is in MB (10^6 bytes), the table in MiB
  printf "\ntargets: first frame < %d ms: %s (%.1f ms); idle VmRSS < %d MB: %s (%.1f MB)\n", \
    tms, (af / 1000 < tms) ? "PASS" : "CHECK", af / 1000, tmb, (mb < tmb) ? "PASS" : "CHECK", mb
  print "(informational: medians of one run; first frame = end of the first ui pass, polled every ~2 ms;"
  print " VmRSS counts shared library pages, e.g. Mesa llvmpipe; RssAnon is the process own heap and stacks)"
}'
