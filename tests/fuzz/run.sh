#!/bin/bash
# tests/fuzz/run.sh — build the libFuzzer harnesses with clang outside meson
# (into build-fuzz/ at the top of the tree, or $FUZZ_OUT) and run them.
#
#   bash tests/fuzz/run.sh --quick [HARNESS...]   the short fixed run of the test
#                                  suite (meson test 'fuzz', scripts/test.sh)
#   bash tests/fuzz/run.sh [--fixed] [HARNESS...]        the long fixed run (default;
#                                  scripts/fuzz.sh): the same inputs every time
#   bash tests/fuzz/run.sh --random SECONDS [HARNESS...]  a campaign, random seed
#   bash tests/fuzz/run.sh SECONDS [HARNESS...]           (the same, older form)
#   bash tests/fuzz/run.sh --regen-corpus                 rewrite tests/fuzz/corpus/
#   (HARNESS...: default all five; IRVI_FUZZ_RANDOM=SECONDS turns a run without
#   arguments or a --quick one, e.g. the meson test 'fuzz', into a --random one)
#
# Harnesses (tests/fuzz/fuzz_<name>.c; seeds in tests/fuzz/corpus/<name>/):
#   idx   irvi_idx_parse / irvi_idx_load           engine/data_idx.c
#   amat  irvi_amat_load                           engine/data_amat.c
#   mat   irvi_mat_load_caltech (matio)            engine/data_mat.c
#   ckpt  irvi_model_load / irvi_trainer_resume    engine/ckfile.c, checkpoint.c
#   args  args_* flag parsers, --layers, --algo    app/common/args.c, engine/model.c
#
# First every file in tests/fuzz/regressions/<name>/ is replayed (earlier
# crashes, fixed). Then each harness runs with -timeout=5 -rss_limit_mb=2048:
#   fixed   a fixed libFuzzer -seed and number of executions per harness (the
#           table below: 60-90 s each on this 2-core machine, more when it is
#           loaded), starting from the committed corpus alone (a fresh copy
#           each time): the same inputs every run, so a CI run fails when a
#           code change breaks a loader, not on a lucky new find. Cut at 150 s
#           per harness on a slow machine (then a prefix of the same inputs).
#   quick   the same seeds with 0.5-5 % of the executions (3-6 s each), cut
#           at 8 s; two harnesses at a time. Every regression input and the
#           whole committed corpus are still run (libFuzzer executes its
#           corpus before mutating); only the number of mutations is smaller.
#   random  a random seed (printed: -seed=S reproduces it) for SECONDS on a
#           working corpus build-fuzz/corpus/<name> (seeded from the committed
#           one, kept between runs): the search for new crashes
# Prints the number of executions per harness. A crash, leak, timeout or OOM stops that harness;
# its input is kept as build-fuzz/crashes/<name>-crash-<sha1> (or leak-,
# timeout-, oom-) and the script exits 1. Exit 77 (meson: skipped) when clang
# cannot build a libFuzzer binary.
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$(pwd)
OUT=${FUZZ_OUT:-$ROOT/build-fuzz}
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
CC=${FUZZ_CC:-clang}
ALL=(idx amat mat ckpt args)
# the fixed run: harness, libFuzzer seed, executions (60-90 s each on this 2-core machine)
declare -A FIXED_SEED=([idx]=6101 [amat]=6102 [mat]=6103 [ckpt]=6104 [args]=6105)
declare -A FIXED_RUNS=([idx]=1200000 [amat]=2200000 [mat]=3200000 [ckpt]=220000 [args]=1600000)
# the quick run (the test suite's): counts that finish in 3-6 s per harness on
# a loaded 2-core machine (idx and ckpt run ~1000 inputs/s there: most of their
# time is in the kernel, mapping and unmapping large buffers), cut at 8 s
declare -A QUICK_RUNS=([idx]=4000 [amat]=30000 [mat]=30000 [ckpt]=3000 [args]=50000)
CAP=150

usage() {
    echo "usage: $0 [--quick | --fixed] [HARNESS...] | --random SECONDS [HARNESS...] | SECONDS [HARNESS...] | --regen-corpus" >&2
    exit 2
}
MODE=fixed
SECS=
case ${1:-} in
    --regen-corpus) MODE=regen ;;
    --fixed) shift ;;
    --quick)
        shift
        MODE=quick
        if [ -n "${IRVI_FUZZ_RANDOM:-}" ]; then MODE=random; SECS=$IRVI_FUZZ_RANDOM; fi ;;
    --random) MODE=random; SECS=${2:-}; shift 2 2> /dev/null || usage ;;
    -*) usage ;;
    '' | [a-z]*)
        if [ -n "${IRVI_FUZZ_RANDOM:-}" ]; then MODE=random; SECS=$IRVI_FUZZ_RANDOM; fi ;;
    *) MODE=random; SECS=$1; shift ;;
esac
if [ $MODE = random ]; then
    case $SECS in '' | *[!0-9]*) usage ;; esac
fi
HARNESSES=("$@")
[ $MODE = regen ] && HARNESSES=()
[ ${#HARNESSES[@]} -eq 0 ] && HARNESSES=("${ALL[@]}")
for h in "${HARNESSES[@]}"; do
    [ -n "${FIXED_SEED[$h]:-}" ] || { echo "unknown harness '$h' (have: ${ALL[*]})" >&2; exit 2; }
done

command -v "$CC" > /dev/null || { echo "SKIP: no $CC"; exit 77; }
mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/crashes" || exit 1

# libFuzzer present?
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
    > "$OUT/probe.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$OUT/probe.c" -o "$OUT/probe" > "$OUT/probe.log" 2>&1; then
    echo "SKIP: $CC cannot build a libFuzzer binary:"
    tail -n 5 "$OUT/probe.log"
    exit 77
fi

PKGS="matio zlib"
pkg-config --exists openblas && PKGS="$PKGS openblas" || PKGS="$PKGS cblas"
PKG_CFLAGS=$(pkg-config --cflags $PKGS) || { echo "FAIL: pkg-config $PKGS"; exit 1; }
PKG_LIBS=$(pkg-config --libs $PKGS)
CFLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
        -fsanitize=address,undefined -fno-sanitize-recover=all
        -I"$ROOT/include" -I"$ROOT/engine" -I"$ROOT/engine/binary" -I"$ROOT/engine/gaussian" -I"$ROOT/app" -I"$ROOT/tests/fuzz"
        -I/usr/include/stb $PKG_CFLAGS)
LIBS=($PKG_LIBS -lm -lpthread)

# ---- the engine as an archive, instrumented (objects rebuilt when stale) ----
headers_time=$(stat -c %Y "$ROOT"/include/irvi/*.h "$ROOT"/engine/*.h "$ROOT"/engine/*/*.h | sort -n | tail -n 1)
build_obj() { # source -> object, compiled for fuzzing
    local src=$1 obj=$OUT/obj/$(basename "${1%.c}").o extra=()
    if [ -f "$obj" ] && [ "$(stat -c %Y "$obj")" -ge "$(stat -c %Y "$src")" ] &&
        [ "$(stat -c %Y "$obj")" -ge "$headers_time" ]; then
        return 0
    fi
    "$CC" "${CFLAGS[@]}" -fsanitize=fuzzer-no-link "${extra[@]}" -c "$src" -o "$obj"
}
t0=$(date +%s)
# the engine's sources as meson builds them: engine_src in engine/meson.build
mapfile -t srcs < <(sed -n '/^engine_src = files(/,/^)/p' "$ROOT/engine/meson.build" |
    grep -oE "'[A-Za-z0-9_/]+\.c'" | tr -d "'" | sed "s|^|$ROOT/engine/|")
[ ${#srcs[@]} -gt 5 ] || { echo "FAIL: cannot read engine_src from engine/meson.build"; exit 1; }
objs=()
for src in "${srcs[@]}"; do
    objs+=("$OUT/obj/$(basename "${src%.c}").o")
done
# two compilers at a time
if ! printf '%s\n' "${srcs[@]}" | (
        fail=0
        while read -r src; do
            build_obj "$src" &
            while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || fail=1; done
        done
        while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || fail=1; done
        exit $fail); then
    echo "FAIL: compiling the engine for fuzzing"
    exit 1
fi
rm -f "$OUT/libirvi-fuzz.a"
ar rcs "$OUT/libirvi-fuzz.a" "${objs[@]}" || exit 1

# ---- the seed corpus generator --------------------------------------------
if [ $MODE = regen ]; then
    "$CC" "${CFLAGS[@]}" "$ROOT/tests/fuzz/gen_corpus.c" "$OUT/libirvi-fuzz.a" "${LIBS[@]}" \
        -o "$OUT/gen_corpus" || exit 1
    rm -rf "$ROOT/tests/fuzz/corpus"
    mkdir -p "$ROOT/tests/fuzz/corpus"
    "$OUT/gen_corpus" "$ROOT/tests/fuzz/corpus" || exit 1
    du -sh "$ROOT/tests/fuzz/corpus"
    find "$ROOT/tests/fuzz/corpus" -type f | sort
    exit 0
fi

# ---- harnesses -------------------------------------------------------------
for h in "${HARNESSES[@]}"; do
    extra=()
    [ "$h" = args ] && extra=("$ROOT/app/common/args.c")
    if ! "$CC" "${CFLAGS[@]}" -fsanitize=fuzzer "$ROOT/tests/fuzz/fuzz_$h.c" "${extra[@]}" \
            "$OUT/libirvi-fuzz.a" "${LIBS[@]}" -o "$OUT/fuzz_$h"; then
        echo "FAIL: building fuzz_$h"
        exit 1
    fi
done
echo "built ${#HARNESSES[@]} harnesses in $(($(date +%s) - t0))s"

# A huge allocation that fails must behave as in production (malloc returns
# NULL and the loader reports an error), not abort: matio sizes buffers from
# claims in the file. Memory that is really used is still bounded by
# -rss_limit_mb, so a loader that touches gigabytes is still a finding.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export OPENBLAS_NUM_THREADS=1
status=0
summary=()

# ---- regressions: earlier crashes must stay fixed --------------------------
for h in "${HARNESSES[@]}"; do
    reg=$ROOT/tests/fuzz/regressions/$h
    [ -d "$reg" ] || continue
    files=("$reg"/*)
    [ -e "${files[0]}" ] || continue
    if "$OUT/fuzz_$h" -runs=1 "${files[@]}" > "$OUT/regress-$h.log" 2>&1; then
        echo "regressions $h: ${#files[@]} inputs ok"
    else
        echo "FAIL: regressions $h (log $OUT/regress-$h.log):"
        tail -n 30 "$OUT/regress-$h.log"
        status=1
    fi
done

# ---- fuzzing ---------------------------------------------------------------
if [ $MODE = random ]; then
    SEED=$(( (RANDOM << 15 | RANDOM) % 2000000000 + 1 ))
    echo "random run: ${SECS}s per harness, libFuzzer -seed=$SEED"
elif [ $MODE = quick ]; then
    CAP=8
    echo "quick fixed run: fixed seeds, 0.5-5 % of the fixed run's executions, from the committed corpus"
else
    echo "fixed run: fixed seeds and execution counts, from the committed corpus"
fi
# fuzz_one H: one harness; its summary line goes to $OUT/line-H, details of a
# crash to $OUT/fail-H; exit status 1 on a crash, leak, timeout or OOM.
fuzz_one() {
    local h=$1 log=$OUT/fuzz-$1.log t work how runs rc execs cov crash line
    t=$(date +%s)
    rm -f "$OUT/fail-$h"
    if [ $MODE = random ]; then
        work=$OUT/corpus/$h
        mkdir -p "$work"
        how=(-seed="$SEED" -max_total_time="$SECS")
    else
        # a fresh working corpus: nothing from earlier runs changes the inputs
        work=$OUT/fixed-corpus/$h
        rm -rf "$work"
        mkdir -p "$work"
        runs=${FIXED_RUNS[$h]}
        [ $MODE = quick ] && runs=${QUICK_RUNS[$h]}
        how=(-seed="${FIXED_SEED[$h]}" -runs="$runs" -max_total_time=$CAP)
    fi
    "$OUT/fuzz_$h" "${how[@]}" -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=131072 -print_final_stats=1 \
        -artifact_prefix="$OUT/crashes/$h-" "$work" "$ROOT/tests/fuzz/corpus/$h" > "$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
    crash=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | sed 's/Test unit written to //')
    line=$(printf '%-5s %10s execs in %4ss  %-20s corpus %s' "$h" "${execs:-?}" "$(($(date +%s) - t))" \
        "${cov:-}" "$(ls "$work" | wc -l)")
    if [ $MODE != random ] && [ $rc -eq 0 ] && [ "${execs:-0}" -lt "$runs" ]; then
        line="$line  (cut by the $CAP s cap: not the full $MODE run of $runs)"
    fi
    if [ $rc -ne 0 ]; then
        line="$line  CRASH (exit $rc): ${crash:-see $log}"
        { echo "---- fuzz_$h failed; end of $log ----"
          grep -E 'ERROR|SUMMARY|invariant|#[0-9]+ 0x' "$log" | head -n 25; } > "$OUT/fail-$h"
    fi
    echo "$line" > "$OUT/line-$h"
    [ $rc -eq 0 ]
}
# the quick run: two harnesses at a time (each is one process, one core)
jobs_max=1
[ $MODE = quick ] && jobs_max=2
for h in "${HARNESSES[@]}"; do
    if [ $jobs_max -eq 1 ]; then
        fuzz_one "$h" || status=1
        cat "$OUT/fail-$h" 2> /dev/null
        cat "$OUT/line-$h"
        continue
    fi
    fuzz_one "$h" &
    while [ "$(jobs -rp | wc -l)" -ge $jobs_max ]; do wait -n || status=1; done
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || status=1; done
for h in "${HARNESSES[@]}"; do
    [ $jobs_max -gt 1 ] && cat "$OUT/fail-$h" 2> /dev/null
    summary+=("$(cat "$OUT/line-$h" 2> /dev/null || echo "$h: no result")")
    grep -q CRASH "$OUT/line-$h" 2> /dev/null && status=1
done

if [ $MODE = random ]; then
    echo "== fuzz summary (random, -seed=$SEED, ${SECS}s per harness)"
else
    echo "== fuzz summary ($MODE: fixed seeds and execution counts)"
fi
printf '%s\n' "${summary[@]}"
[ $status -eq 0 ] && echo "no crashes" || echo "CRASHES FOUND (inputs kept in $OUT/crashes/)"
exit $status
