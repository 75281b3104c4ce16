#!/usr/bin/env bash
# bench/run.sh — irvi against the PyTorch peer (shared/peers/torch_air_bench.py)
# and against the machine's own sgemm rate, on identical inputs.
#
#   bash bench/run.sh [--quick]
#   bash bench/run.sh --table bench/results/STAMP.jsonl   (print a saved run's table again)
#
# 1. builds bench/irvi_bench (release, -march=native) in build-bench/
# 2. installs the peer's Debian packages (python3-torch python3-numpy
#    libopenblas0-openmp) if they are missing; without them (or without the
#    peer script) the peer is skipped with a message and irvi runs alone
# 3. writes a random model and a batch sampled from it with the peer
#    (--save-params / --save-data --data-from-model): layers 200, 200,200,200
#    and 20 (exact), so both programs read the same files
# 4. measures the sgemm peak (the faster of la_sgemm, which splits a product
#    over irvi's own threads, and OpenBLAS's own threading), then runs irvi and the peer
#    back to back, interleaved (irvi, peer, irvi, peer, ...), for
#      estep 200 and 200x3   B=100 K=20 M=20 gamma=0.1, float32, 2 threads
#      eval N=1000           B=100, layers 200 (the full run also 200x3)
#      eval N=100000         irvi with peak RSS (B=10 in --quick, 100 otherwise);
#                            the peer only in the full run (B=100, one run)
#      exact H=20            100 points
#      training SBN-200 AIR  on MNIST, headless vs live UI (bench/ui_overhead.sh;
#                            needs tmux and data/mnist; IRVI_BENCH_UI=0 skips it)
# 5. collects every JSON line in bench/results/<UTC timestamp>.jsonl and prints
#    a table: medians over runs of each run's median repeat, irvi/peer ratios,
#    achieved GEMM GFLOP/s as a fraction of the sgemm peak; then the checks:
#    exact LL per point within 1e-5 relative of the peer (float32; the full run
#    also against the peer in float64), and lb before/after AIR within Monte
#    Carlo error (4 sigma, sigma from irvi's replicates).
# The machine has 2 cores and is shared: the load average is printed at the
# start and the end and stored in every record. --quick takes ~5 minutes on an
# idle machine, longer under load. Environment: IRVI_PEER (peer script),
# IRVI_BENCH_BUILD (build dir), IRVI_BENCH_KEEP=1 keeps the input files.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
QUICK=0
SUMMARY_ONLY=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --table) SUMMARY_ONLY=${2:?--table needs a results .jsonl file}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$1' (usage: bash bench/run.sh [--quick | --table FILE])" >&2; exit 2 ;;
  esac
  shift
done
BUILD=${IRVI_BENCH_BUILD:-$ROOT/build-bench}
PEER=${IRVI_PEER:-}
if [ -z "$PEER" ]; then
  for p in "$ROOT/../shared/peers/torch_air_bench.py" "$ROOT/shared/peers/torch_air_bench.py" \
           /work/shared/peers/torch_air_bench.py; do
    [ -f "$p" ] && { PEER=$p; break; }
  done
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
# ---- the table and the checks (also: bash bench/run.sh --table FILE.jsonl) -----------
summarize() {  # results.jsonl  (per-point exact LL in results.exact_*.txt beside it)
"$PY" - "$@" <<'EOF'
import json, math, os, statistics as st, sys
out = sys.argv[1]
rows = [json.loads(l) for l in open(out)]
meta = next((r for r in rows if r.get("record") == "run_meta"), {})
ui = [r for r in rows if r.get("record") == "ui_overhead"]
rows = [r for r in rows if r.get("record") not in ("run_meta", "ui_overhead")]
load0, load1 = meta.get("load_start", "?"), meta.get("load_end", "?")
peer_ok, peer_why = meta.get("peer_ok", True), meta.get("peer_why", "")
prefix = out[:-len(".jsonl")] if out.endswith(".jsonl") else out
sg = [r for r in rows if r.get("mode") == "sgemm"]
peak = max(r["gflops_best"] for r in sg if r.get("peak_shape"))

def flops_peer(r, irvi_rec):
    """GEMM flops per item of the peer's computation (see bench/irvi_bench.c).
    estep/eval: the same GEMMs as irvi (the x.a and w.h bmm products are not
    counted). exact: the peer's default 'logits' algorithm forms x @ logits^T:
    2*2^H*H*D/B (logits) + 2*2^H*D per point; its 'factored' one 2*2^H*H*D/B + 2*2^H*H + 2*D*H."""
    if r["mode"] != "exact" or irvi_rec is None:
        return irvi_rec["flops_per_item"] if irvi_rec else None
    H, D, B = r["H"], r["D"], r["batch"]
    s = 2.0 ** H
    if r.get("exact_algo") == "factored":
        return 2 * s * H * D / B + 2 * s * H + 2 * D * H
    return 2 * s * H * D / B + 2 * s * D

by = {}
for r in rows:
    if "bench_name" in r and r.get("mode") != "sgemm":
        by.setdefault((r["bench_name"], r["side"]), []).append(r)
names = []
for (n, s) in by:
    if n not in names:
        names.append(n)

print()
print("irvi vs the PyTorch peer, %s" % os.path.basename(out))
cpu = rows[0].get("cpu", "?") if rows else "?"
print("machine: %s, %s cores; load average start %s, end %s" % (cpu, rows[0].get("ncpu", "?"), load0, load1))
loads = [r["loadavg"][0] for r in rows if r.get("loadavg")]
if loads:
    print("load average (1 min) during the runs: min %.2f, median %.2f, max %.2f" % (min(loads), st.median(loads), max(loads)))
    ncpu = rows[0].get("ncpu") or os.cpu_count() or 1
    if st.median(loads) > ncpu:
        print("NOTE: the load was above the core count: both programs were time-sliced with other")
        print("      processes, and a 2-thread run can lose more than its share; ratios on an idle")
        print("      machine may differ (the runs are interleaved so both sides saw similar load)")
print("irvi BLAS: %s" % (rows[0].get("blas") or "?"))
if not peer_ok:
    print("PEER SKIPPED: %s" % peer_why)
print("sgemm peak (2 threads, square, best of repeats, la_sgemm or OpenBLAS threads): %.1f GFLOP/s" % peak)
for r in sg:
    print("  sgemm %-38s %5dx%5dx%5d  best %6.1f  median %6.1f GFLOP/s" % (r["shape_name"], r["m"], r["n"], r["k"], r["gflops_best"], r["gflops_median"]))
print()
hdr = "%-24s %-11s %5s %12s %12s %7s %9s %9s %10s" % ("config", "unit", "runs", "irvi /s", "peer /s", "irvi/peer", "irvi %pk", "peer %pk", "irvi RSS")
print(hdr)
print("-" * len(hdr))
for n in names:
    ir, pr = by.get((n, "irvi"), []), by.get((n, "peer"), [])
    ref = ir[0] if ir else None
    mi = st.median(r["items_per_second_median"] for r in ir) if ir else None
    mp = st.median(r["items_per_second_median"] for r in pr) if pr else None
    unit = (ref or pr[0])["item_unit"]
    fi = (ref["flops_per_item"] * mi * 1e-9 / peak) if ref else None
    fp = None
    if pr and ref:
        fp = flops_peer(pr[0], ref) * mp * 1e-9 / peak
    rss = max(r.get("peak_rss_kb_timed", 0) for r in ir) if ir else None
    f = lambda v, fmt: (fmt % v) if v is not None else "-"
    print("%-24s %-11s %2d/%-2d %12s %12s %7s %9s %9s %10s" % (
        n, unit, len(ir), len(pr), f(mi, "%.1f"), f(mp, "%.1f"),
        f(mi / mp if mi and mp else None, "%.2f"), f(fi if fi is None else 100 * fi, "%.1f%%"),
        f(fp if fp is None else 100 * fp, "%.1f%%"), f(rss and rss / 1024.0, "%.0f MiB")))
for n in names:
    ir = [r for r in by.get((n, "irvi"), []) if r.get("frac_softplus_bound")]
    if ir:
        print("%s: irvi reaches %.1f%% of the softplus bound (2^H*D softplus terms alone at the kernel's rate, %.3f s; median over %d runs)" % (
            n, 100 * st.median(r["frac_softplus_bound"] for r in ir),
            st.median(r["softplus_bound_seconds"] for r in ir), len(ir)))
print("(medians over runs of each run's median repeat; %pk = GEMM flops achieved / sgemm peak;")
print(" RSS = irvi's peak resident set (getrusage) at the end of the timed repeats;")
print(" peer exact uses its 'logits' algorithm, irvi split tables: its only GEMM is x G_0^T, so its")
print(" %pk is small by design: the softplus-bound line above is its yardstick)")
for r in ui:
    print("training SBN-200 AIR on MNIST (B=%d, %d threads, %d rounds of %d updates, order alternating):" % (
        r["batch"], r["threads"], r["rounds"], r["updates"]))
    print("  headless %.1f examples/s, live UI %.1f examples/s; UI/headless median %.3f (per round %s)" % (
        r["headless_examples_per_second"], r["ui_examples_per_second"], r["median_ratio"],
        " ".join("%.3f" % x for x in r["ratios"])))
    print("  whole runs headless/UI time %.3f; UI thread's share of the live run's CPU %s -> UI cost %.1f%% (target < 3%%)" % (
        r["median_wall_ratio"], "-" if r["ui_cpu_share"] is None else "%.1f%%" % (100 * r["ui_cpu_share"]),
        100 * (1 - r["median_ratio"])))
if not ui:
    print("training headless vs live UI: not measured in this run")
print()

status = 0
# exact LL agreement, per point
def load(p):
    try:
        return [float(l) for l in open(p) if not l.startswith("#")]
    except OSError:
        return None
ei = load(prefix + ".exact_irvi.txt")
for tag, fn in (("float32", ".exact_peer_f32.txt"), ("float64", ".exact_peer_f64.txt")):
    ep = load(prefix + fn)
    if ei is None or ep is None:
        if tag == "float32":
            print("exact LL vs peer (%s): not compared (%s)" % (tag, "no irvi result" if ei is None else "no peer result"))
        continue
    if len(ei) != len(ep):
        print("exact LL vs peer (%s): FAIL (%d vs %d points)" % (tag, len(ei), len(ep)))
        status = 1
        continue
    rel = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(ei, ep))
    ok = rel <= 1e-5
    status |= not ok
    print("exact LL vs peer (%s, %d points): mean irvi %.6f peer %.6f, max relative difference %.2e -> %s" % (
        tag, len(ei), sum(ei) / len(ei), sum(ep) / len(ep), rel, "PASS" if ok else "FAIL (limit 1e-5)"))

# LB before / after AIR within Monte Carlo error
for n in names:
    ir, pr = by.get((n, "irvi"), []), by.get((n, "peer"), [])
    if not n.startswith("estep") or not ir or not pr:
        continue
    i, p = ir[0], pr[0]   # checks are seeded: every run of a side gives the same numbers
    G = i.get("check_reps", 1)
    for key in ("lb_before", "lb_after"):
        sd = i.get(key + "_sd")
        if sd is None or not math.isfinite(sd) or sd <= 0:
            print("%s %s: irvi %.3f peer %.3f (no spread available)" % (n, key, i[key], p[key]))
            continue
        tol = 4 * sd * math.sqrt(1 + 1.0 / G)
        d = i[key] - p[key]
        ok = abs(d) <= tol
        status |= not ok
        print("%-12s %-10s irvi %9.3f (mean of %d, sd %.3f)  peer %9.3f  diff %+.3f  4-sigma %.3f -> %s" % (
            n, key, i[key], G, sd, p[key], d, tol, "PASS" if ok else "FAIL"))
    print("%-12s AIR gain   irvi %+.3f  peer %+.3f nats (check_N=%d, K=%d, M=%d, gamma=%g)" % (
        n, i["lb_after"] - i["lb_before"], p["lb_after"] - p["lb_before"], i["check_N"], i["K"], i["M"], i["gamma"]))
print()
print("checks: %s" % ("all PASS" if status == 0 else "FAIL"))
EOF
}

if [ -n "$SUMMARY_ONLY" ]; then
  summarize "$SUMMARY_ONLY"
  exit 0
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$ROOT/bench/results"
OUT="$ROOT/bench/results/$STAMP.jsonl"
TABLE="$ROOT/bench/results/$STAMP.txt"
WORK=$(mktemp -d /tmp/irvi_bench.XXXXXX)
[ "${IRVI_BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
: > "$OUT"
T0=$(date +%s)
say() { printf '[run.sh %4ds] %s\n' $(( $(date +%s) - T0 )) "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_START=$(loadavg)
say "load average at start: $LOAD_START ($(nproc) cores); results -> ${OUT#$ROOT/}"

# ---- 1. build ------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
  say "configuring $BUILD (release)"
  meson setup "$BUILD" "$ROOT" --buildtype=release >/dev/null
fi
say "building bench/irvi_bench"
ninja -C "$BUILD" bench/irvi_bench >/dev/null
BENCH="$BUILD/bench/irvi_bench"

# ---- 2. the peer's packages ----------------------------------------------------------
peer_ready() {
  [ -n "$PEER" ] && [ -f "$PEER" ] && "$PY" -c 'import torch, numpy' >/dev/null 2>&1 &&
    [ -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 ]
}
PEER_OK=1
PEER_WHY=""
if [ -z "$PEER" ]; then
  PEER_OK=0; PEER_WHY="peer script not found (set IRVI_PEER=/path/to/torch_air_bench.py)"
elif ! peer_ready; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing the peer's packages: python3-torch python3-numpy libopenblas0-openmp"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
             python3-torch python3-numpy libopenblas0-openmp; } > "$WORK/apt.log" 2>&1; then
      tail -5 "$WORK/apt.log" >&2 || true
    fi
  fi
  peer_ready || { PEER_OK=0; PEER_WHY="python3-torch / python3-numpy / libopenblas0-openmp could not be installed (needs root and apt-get)"; }
fi
[ "$PEER_OK" = 1 ] || say "SKIPPING THE PEER: $PEER_WHY"

# ---- helpers: every record gets bench_name, side, round --------------------------------
annotate() {  # name side round  < json lines
  "$PY" -c '
import json, sys
name, side, rnd = sys.argv[1], sys.argv[2], int(sys.argv[3])
la = open("/proc/loadavg").read().split()[:3]
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    r.update(bench_name=name, side=side, round=rnd)
    r.setdefault("loadavg", [float(v) for v in la])
    print(json.dumps(r))' "$@" >> "$OUT"
}
run_irvi() {  # name round args...
  local name=$1 rnd=$2; shift 2
  say "irvi  $name (round $rnd)"
  "$BENCH" "$@" --sgemm-peak "${PEAK:-0}" | annotate "$name" irvi "$rnd" \
    || say "  irvi run $name failed"
}
run_peer() {  # name round timeout args...
  local name=$1 rnd=$2 tmo=$3; shift 3
  [ "$PEER_OK" = 1 ] || return 0
  say "peer  $name (round $rnd)"
  if ! timeout "$tmo" "$PY" "$PEER" "$@" 2> "$WORK/peer.err" | head -1 | annotate "$name" peer "$rnd"; then
    say "  peer run $name failed or timed out after ${tmo}s: $(tail -1 "$WORK/peer.err" 2>/dev/null)"
  fi
}

# ---- 3. identical inputs ---------------------------------------------------------------
GEN="--mode estep --batch 100 --K 1 --M 1 --repeats 1 --warmup 0 --check-N 1 --data-from-model --seed 1234"
for cfg in "200:200" "200x3:200,200,200" "20:20"; do
  tag=${cfg%%:*}; layers=${cfg#*:}
  if [ "$PEER_OK" = 1 ]; then
    "$PY" "$PEER" $GEN --layers "$layers" --save-params "$WORK/m$tag.sbn" \
      --save-data "$WORK/d$tag.u8" > /dev/null
  else  # same recipe (Gaussian weights, sampled data) from irvi itself
    "$BENCH" $GEN --layers "$layers" --save-params "$WORK/m$tag.sbn" \
      --save-data "$WORK/d$tag.u8" > /dev/null
  fi
done
if [ "$PEER_OK" = 1 ]; then say "inputs written by the peer"; else say "inputs written by irvi_bench (no peer)"; fi

# ---- 4. measurements -------------------------------------------------------------------
if [ "$QUICK" = 1 ]; then
  ROUNDS=2; E_REP="--warmup 1 --repeats 3"; V_REP="--warmup 1 --repeats 2"
  X_ROUNDS=1; X_REP="--warmup 0 --repeats 1"; BIG_B=10; EVAL_LAYERS="200"; SG_REP="--warmup 1 --repeats 3"
else
  ROUNDS=3; E_REP="--warmup 3 --repeats 10"; V_REP="--warmup 1 --repeats 5"
  X_ROUNDS=3; X_REP="--warmup 1 --repeats 2"; BIG_B=100; EVAL_LAYERS="200 200x3"; SG_REP="--warmup 2 --repeats 10"
fi
COMMON="--threads 2 --dtype float32 --seed 1234"

say "irvi  sgemm peak"
"$BENCH" --mode sgemm --threads 2 $SG_REP | annotate sgemm irvi 1
PEAK=$("$PY" -c '
import json, sys
print(max(r["gflops_best"] for r in map(json.loads, open(sys.argv[1])) if r.get("mode") == "sgemm" and r.get("peak_shape")))' "$OUT")
say "sgemm peak (square, best of repeats): $PEAK GFLOP/s"

for tag in 200 200x3; do
  for r in $(seq "$ROUNDS"); do
    A="--mode estep --params $WORK/m$tag.sbn --data $WORK/d$tag.u8 --batch 100 --K 20 --M 20 --gamma 0.1 --check-N 100 $COMMON $E_REP"
    run_irvi "estep_$tag" "$r" $A --check-reps 5
    run_peer "estep_$tag" "$r" 300 $A
  done
done
for tag in $EVAL_LAYERS; do
  for r in $(seq "$ROUNDS"); do
    A="--mode eval --params $WORK/m$tag.sbn --data $WORK/d$tag.u8 --batch 100 --N 1000 --check-N 10 $COMMON $V_REP"
    run_irvi "eval_${tag}_N1000" "$r" $A --check-reps 1
    run_peer "eval_${tag}_N1000" "$r" 300 $A
  done
done
A="--mode eval --params $WORK/m200.sbn --data $WORK/d200.u8 --batch $BIG_B --N 100000 --check-N 10 $COMMON --warmup 0 --repeats 1"
run_irvi "eval_200_N100000_B$BIG_B" 1 $A --check-reps 1
if [ "$QUICK" = 1 ]; then
  say "peer  eval N=100000: not run in --quick (about 10^6-10^7 samples; run without --quick)"
else
  run_peer "eval_200_N100000_B$BIG_B" 1 900 $A
fi
for r in $(seq "$X_ROUNDS"); do
  A="--mode exact --params $WORK/m20.sbn --data $WORK/d20.u8 --batch 100 $COMMON $X_REP"
  run_irvi exact_H20 "$r" $A --dump "${OUT%.jsonl}.exact_irvi.txt"
  run_peer exact_H20 "$r" 600 $A --dump "${OUT%.jsonl}.exact_peer_f32.txt"
done
if [ "$QUICK" = 0 ]; then
  run_peer exact_H20_f64 1 900 --mode exact --params "$WORK/m20.sbn" --data "$WORK/d20.u8" \
    --batch 100 --threads 2 --dtype float64 --seed 1234 --warmup 0 --repeats 1 \
    --dump "${OUT%.jsonl}.exact_peer_f64.txt"
fi
# row 4: one SBN-200 AIR training run on MNIST, headless vs the live terminal
# UI (bench/ui_overhead.sh: same seed, alternating order, throughput of the steps)
UI_DATA=${IRVI_DATA_DIR:-$ROOT/data/mnist}
if [ "${IRVI_BENCH_UI:-1}" = 0 ]; then
  say "training headless vs live UI: skipped (IRVI_BENCH_UI=0)"
elif ! command -v tmux > /dev/null; then
  say "training headless vs live UI: skipped (tmux is not installed; bash scripts/setup.sh)"
elif ! ls "$UI_DATA"/train-images*idx3* > /dev/null 2>&1; then
  say "training headless vs live UI: skipped (no MNIST in $UI_DATA; bash scripts/setup.sh or IRVI_DATA_DIR)"
else
  ninja -C "$BUILD" app/irvi > /dev/null
  if [ "$QUICK" = 1 ]; then UI_ARGS="--rounds 2 --updates 60"; else UI_ARGS="--rounds 4 --updates 150"; fi
  say "irvi  training SBN-200 AIR, headless vs live UI ($UI_ARGS)"
  bash "$ROOT/bench/ui_overhead.sh" $UI_ARGS --threads 2 --irvi "$BUILD/app/irvi" \
    --data-dir "$UI_DATA" --json "$OUT" > "$WORK/ui.txt" 2>&1 ||
    { say "  ui_overhead.sh failed:"; tail -5 "$WORK/ui.txt" >&2; }
fi
LOAD_END=$(loadavg)
say "load average at end: $LOAD_END"
"$PY" -c '
import json, sys
print(json.dumps(dict(record="run_meta", quick=sys.argv[1] == "1", load_start=sys.argv[2],
                      load_end=sys.argv[3], peer_ok=sys.argv[4] == "1", peer_why=sys.argv[5])))' \
  "$QUICK" "$LOAD_START" "$LOAD_END" "$PEER_OK" "$PEER_WHY" >> "$OUT"

# ---- 5. table and checks ---------------------------------------------------------------
summarize "$OUT" | tee "$TABLE"

say "table saved to ${TABLE#$ROOT/}"
