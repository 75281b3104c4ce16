#!/usr/bin/env bash
# bench/ui_overhead.sh — issue #8 row 4: training throughput of SBN-200 AIR on
# MNIST, headless vs with the live terminal UI, as a ratio.
#
#   bash bench/ui_overhead.sh [--rounds R] [--updates U] [--irvi EXE] [--threads T] [--json FILE]
#
# Each round runs `irvi train` twice on identical settings (same seed, fresh
# output directory, --max-updates U minibatches of 100, no periodic
# checkpoints): once with --headless, once with the ncurses UI inside a private
# tmux server (120x40, UTF-8), in alternating order so drift in the machine's
# load hits both sides alike. Throughput is read from OUT/metrics.jsonl
# (updates * batch / train_seconds of the record the cut-short epoch writes),
# so validation and start-up are not part of it; train_seconds sums the
# steps only, so the whole run's time (launch to metrics) is compared too:
# it includes what the live session does between steps (the reconstruction
# tiles it refreshes every 3 s). Prints one line per run, then
# the median examples/s of each side and the median of the per-round ratios
# UI/headless; the target is a loss below 3% (ratio >= 0.97). The load
# average is printed at the start and the end: the machine is shared.
# On a loaded machine the throughput ratio is noisy, so the CPU time of the
# UI run's threads is also read from /proc when training has finished: the
# main thread draws the UI, the others (engine thread, its workers) train;
# the UI's share of the process's CPU time bounds what it costs the
# training on a machine whose cores the engine keeps busy.
# --json FILE appends the summary as one JSON record ("record": "ui_overhead")
# to FILE; bench/run.sh uses it to put this row into its table.
# Environment: IRVI_DATA_DIR / --data-dir default data/mnist.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=3
UPDATES=100
THREADS=2
IRVI=$ROOT/build-perf/app/irvi
MNIST=${IRVI_DATA_DIR:-$ROOT/data/mnist}
JSON=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=${2:?}; shift ;;
    --updates) UPDATES=${2:?}; shift ;;
    --threads) THREADS=${2:?}; shift ;;
    --irvi) IRVI=${2:?}; shift ;;
    --data-dir) MNIST=${2:?}; shift ;;
    --json) JSON=${2:?}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "ui_overhead.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$IRVI" ] || { echo "ui_overhead.sh: no irvi executable at $IRVI (--irvi EXE)" >&2; exit 2; }
command -v tmux > /dev/null || { echo "ui_overhead.sh: tmux is not installed" >&2; exit 2; }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

WORK=$(mktemp -d /tmp/irvi_ui.XXXXXX)
SOCK="irvi-ui-bench-$$"
T() { env -u TMUX tmux -u -L "$SOCK" -f /dev/null "$@"; }
trap 'T kill-server > /dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
RESULTS=$WORK/results.txt
CPUS=$WORK/cpu.txt
: > "$RESULTS"
: > "$CPUS"
# the TUI runs under tmux; this wrapper leaves its pid behind for /proc
printf '#!/bin/sh\necho $$ > "$1"\nshift\nexec "$@"\n' > "$WORK/wrap.sh"
chmod +x "$WORK/wrap.sh"

ARGS="train --layers 200 --algo air --batch 100 --K 20 --M 20 --gamma 0.1 --seed 7 \
--max-updates $UPDATES --valid-n 100 --valid-N 10 --ckpt-every 0 --threads $THREADS \
--data-dir $MNIST"

# examples/s of a finished run: the last metrics record
rate() {  # OUTDIR
  "$PY" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1] + "/metrics.jsonl") if l.strip()][-1]
print("%.3f %d %.3f" % (r["updates"] * 100 / r["train_seconds"], r["updates"], r["train_seconds"]))' "$1"
}

# CPU seconds of a process's threads: "ui engine" (main thread, the others)
thread_cpu() {  # PID
  local pid=$1 ui=0 eng=0 f tid t
  local tck; tck=$(getconf CLK_TCK)
  for f in /proc/"$pid"/task/*/stat; do
    tid=$(basename "$(dirname "$f")")
    # utime and stime: fields 14 and 15, counted after the ")" that ends the name
    t=$(sed 's/^.*) //' "$f" | awk '{print $12 + $13}')
    if [ "$tid" = "$pid" ]; then ui=$((ui + t)); else eng=$((eng + t)); fi
  done
  awk -v u="$ui" -v e="$eng" -v k="$tck" 'BEGIN { printf "%.2f %.2f\n", u / k, e / k }'
}

# Both sides run the same way, in a tmux pane (its own session: with the
# kernel's autogroup scheduling a session is a CPU-share unit on a busy
# machine, so a run started elsewhere would get another share); the headless
# side just adds --headless and prints its progress lines there.
run_headless() { run_side "$1" --headless; }
run_tui() { run_side "$1"; }

run_side() {  # OUTDIR [--headless]
  local out=$1 flag=${2:-} i screen pid t0
  t0=$(date +%s.%N)
  T new-session -d -s irvi -x 120 -y 40 \
    "env -u DISPLAY -u WAYLAND_DISPLAY LANG=C.UTF-8 LC_ALL=C.UTF-8 bash -c '\"$WORK/wrap.sh\" \"$out.pid\" \"$IRVI\" $ARGS $flag --out \"$out\"; echo irvi-exit \$?; sleep 600'" \
    < /dev/null > /dev/null 2>&1
  # CPU times from the first update on (data loading and set-up excluded)
  local c0="0 0"
  for ((i = 0; i < 36000; i++)); do
    screen=$(T capture-pane -p -t irvi 2> /dev/null || true)
    grep -Eq 'updates +[1-9]' <<< "$screen" && break   # both the panel and the progress lines
    [ -s "$out/metrics.jsonl" ] && break
    sleep 0.1
  done
  pid=$(cat "$out.pid" 2> /dev/null || true)
  [ -z "$flag" ] && [ -n "$pid" ] && [ -d "/proc/$pid" ] && c0=$(thread_cpu "$pid" 2> /dev/null)
  # the run ends by itself after U updates and validation; q then quits the UI
  for ((i = 0; i < 36000; i++)); do
    [ -s "$out/metrics.jsonl" ] && break
    sleep 0.1
  done
  WALL=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  if [ -z "$flag" ] && [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
    set -- $(thread_cpu "$pid") $c0
    set -- "$(awk -v a="$1" -v b="$3" 'BEGIN { printf "%.2f", a - b }')" \
           "$(awk -v a="$2" -v b="$4" 'BEGIN { printf "%.2f", a - b }')"
    echo "$1 $2" >> "$CPUS"
    printf '         UI thread %.2f CPU s, training threads %.2f CPU s (UI share %.1f%%)\n' \
      "$1" "$2" "$(awk -v u="$1" -v e="$2" 'BEGIN { print 100 * u / (u + e) }')"
  fi
  for ((i = 0; i < 600; i++)); do
    screen=$(T capture-pane -p -t irvi 2> /dev/null || true)
    grep -Eq 'irvi-exit [0-9]+' <<< "$screen" && break
    grep -Eq 'training complete|state +finished' <<< "$screen" && T send-keys -t irvi q
    sleep 0.2
  done
  grep -Eq 'irvi-exit 0' <<< "$screen" || { echo "TUI run did not exit 0:"; echo "$screen"; }
  T kill-server > /dev/null 2>&1 || true
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
echo "irvi $ARGS"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="headless tui"; else order="tui headless"; fi
  for side in $order; do
    out=$WORK/r$r-$side
    mkdir -p "$(dirname "$out")"
    "run_$side" "$out"
    set -- $(rate "$out")
    printf 'round %d %-8s %8.2f examples/s  (%d updates in %.2f s of steps, %.2f s from launch to metrics, load %s)\n' \
      "$r" "$side" "$1" "$2" "$3" "$WALL" "$(cut -d' ' -f1 /proc/loadavg)"
    echo "$r $side $1 $WALL" >> "$RESULTS"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$RESULTS" "$CPUS" "$JSON" "$UPDATES" "$THREADS" <<'EOF'
import json, statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
wall = {}
for r, side, v, w in rows:
    by.setdefault(int(r), {})[side] = float(v)
    wall.setdefault(int(r), {})[side] = float(w)
h = [d["headless"] for d in by.values()]
u = [d["tui"] for d in by.values()]
ratios = [d["tui"] / d["headless"] for d in by.values()]
print("headless median %.2f examples/s, live UI median %.2f examples/s" % (st.median(h), st.median(u)))
print("per-round UI/headless: %s" % " ".join("%.3f" % x for x in ratios))
m = st.median(ratios)
print("median UI/headless %.3f (UI cost %.1f%%; target < 3%%) -> %s" % (m, 100 * (1 - m), "PASS" if m >= 0.97 else "FAIL"))
wr = [d["headless"] / d["tui"] for d in wall.values()]
print("whole runs (launch to metrics, including the UI's tile refreshes between steps): "
      "per-round headless/UI time %s, median %.3f" % (" ".join("%.3f" % x for x in wr), st.median(wr)))
cpu = [tuple(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
if cpu:
    share = [u / (u + e) for u, e in cpu if u + e > 0]
    print("UI thread's share of the live run's CPU time: %s (median %.1f%%)" % (
        " ".join("%.1f%%" % (100 * x) for x in share), 100 * st.median(share)))
if sys.argv[3]:
    with open(sys.argv[3], "a") as f:
        f.write(json.dumps(dict(record="ui_overhead", model="sbn 200", algo="air", batch=100,
            updates=int(sys.argv[4]), threads=int(sys.argv[5]), rounds=len(ratios),
            headless_examples_per_second=st.median(h), ui_examples_per_second=st.median(u),
            ratios=ratios, median_ratio=m, wall_ratios=wr, median_wall_ratio=st.median(wr),
            ui_cpu_share=(st.median(share) if cpu and share else None),
            loadavg=[float(v) for v in open("/proc/loadavg").read().split()[:3]])) + "\n")
EOF
