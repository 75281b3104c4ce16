#!/usr/bin/env bash
# scripts/test.sh — the one test command of irvi.
#
#   bash scripts/test.sh [--valgrind] [--tsan]
#
#   1. scripts/setup.sh (packages, MNIST)          unless IRVI_SKIP_SETUP=1
#   2. build/       default options: the engine and app suites (cli_killresume
#                   with 8 kills instead of 12: IRVI_KILLRESUME_KILLS)
#   3. build-asan/  ASan+UBSan, debugoptimized, built and tested beside steps 2
#                   and 4 (one core is rarely busy with one of them): the engine
#                   and app suites (the CLI scripts, the link stress test, the
#                   TUI under tmux, the SDL window under Xvfb) but the job-plan
#                   engines (GNU parallel, Slurm: cli_experiment covers what
#                   they run). Not the fuzz suite: it builds
#                   its own ASan+UBSan libFuzzer binaries with clang. Every
#                   process writes sanitizer reports to files (log_path), so a
#                   report from a process no test checks the exit status of
#                   (irvi inside tmux, say) is a failure too.
#   4. build/       after step 2, the fuzz suite: every regression input and the whole seed
#                   corpus replayed, then the quick fixed-seed libFuzzer run of
#                   tests/fuzz/run.sh --quick (0.5-5 % of the long fixed run's
#                   executions, <= 8 s per harness, two at a time). The long fixed run and
#                   random campaigns: scripts/fuzz.sh.
#   5. --valgrind   also scripts/check-valgrind.sh (engine suite under memcheck)
#      --tsan       also scripts/check-tsan.sh (ThreadSanitizer, 1 BLAS thread)
#
# Results are counted from meson's own build*/meson-logs/testlog.json (see
# scripts/check-lib.sh). A stage that cannot run (setup, configure or build
# failure) counts as one failure. The last line of output is always
# "N passed, M failed[, S skipped]", and the exit status is 0 iff M == 0.
# Each stage prints its wall and CPU time when it ends, and a table of them
# all comes before that last line. About 6 minutes after setup on an idle
# 2-core machine.
# Runs from any directory, needs no TTY or stdin.
set -uo pipefail

cd "$(dirname "$0")/.." || { echo "0 passed, 1 failed"; exit 1; }
ROOT=$(pwd)
exec </dev/null
. "$ROOT/scripts/check-lib.sh" || { echo "0 passed, 1 failed"; exit 1; }

WITH_VALGRIND=0
WITH_TSAN=0
for arg in "$@"; do
    case $arg in
        --valgrind) WITH_VALGRIND=1 ;;
        --tsan) WITH_TSAN=1 ;;
        -h | --help) sed -n '2,/^# Runs from any/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "test.sh: unknown option '$arg' (--valgrind, --tsan)" >&2
           FAILED=$((FAILED + 1)); exit 2 ;;
    esac
done

# ------------------------------------------------------------------ setup
if [ "${IRVI_SKIP_SETUP:-0}" = "1" ]; then
    say "setup skipped (IRVI_SKIP_SETUP=1)"
else
    stage_begin "setup"
    say "setup"
    if ! bash "$ROOT/scripts/setup.sh"; then
        stage_fail "setup"
    fi
fi

# Two chains run at the same time, so that no core sits idle while a test
# waits (on tmux, Slurm, a kill) or a build links:
#   A (foreground): the default build, its tests, then the fuzz suite;
#   B (background, the longer one, so it starts first): the ASan build,
#   then the ASan tests (three at a time: many of them wait).
# B's meson runs keep their own logs (--logbase) and its output is shown
# whole when it ends; the parent counts every run's results.

# ------------------------------------------------------------------ chain B
reports=$(reports_dir asan)
chain_asan() {
    local t0
    echo "== build-asan/ (address,undefined)"
    # (check-lib's configure and build print a failure with its log here;
    # the parent counts it from asan.fail)
    configure build-asan "$@" && build build-asan || { touch "$LOGDIR/asan.fail"; return; }
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$reports/report
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports/report
    # sanitized code runs 2-4x slower: longer meson timeouts, and
    # cli_killresume with 6 kills instead of 12 and cheaper updates. The job
    # plans' engines (GNU parallel, Slurm) run in the default build only:
    # what they call under ASan (train-model, eval, report, the plans) is
    # cli_experiment's work here.
    export IRVI_KILLRESUME_QUICK=1
    local tests
    mapfile -t tests < <(meson test -C build-asan --list --suite engine --suite app 2> /dev/null |
        sed -n 's|^irvi:[a-z]* / ||p' | grep -vxE 'sdlview|inspector|cli_jobs_parallel|cli_jobs_slurm')
    [ ${#tests[@]} -gt 0 ] || tests=(--suite engine --suite app)
    rm -f build-asan/meson-logs/asan-*.json
    t0=$SECONDS
    echo "== build-asan (engine and app suites): meson test ${tests[*]}"
    meson test -C build-asan --print-errorlogs --logbase asan-main --num-processes 3 "${tests[@]}" \
        --timeout-multiplier 3
    echo $? > "$LOGDIR/asan-main.rc"
    # SDL unloads libX11 and its drivers (dlclose) at SDL_Quit, so LSan sees
    # their allocations as leaks from unknown code: the SDL window test runs
    # without leak checking (every other ASan/UBSan check stays on)
    ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} \
        meson test -C build-asan --print-errorlogs --logbase asan-sdl sdlview inspector --timeout-multiplier 3
    echo $? > "$LOGDIR/asan-sdl.rc"
    echo "== build-asan tests done ($((SECONDS - t0))s)"
}
say "build-asan/ (address,undefined): built and tested beside the default build and tests (output below when done)"
stage_begin "both chains"
# (-g1: line tables only, enough for the reports' file:line, a fifth less
# compile time than -g)
( chain_asan -Db_sanitize=address,undefined -Dbuildtype=debugoptimized -Db_lundef=false \
    -Dc_args=-g1 -Dwerror=true -Dwarning_level=3 -Db_colorout=auto > "$LOGDIR/asan.out" 2>&1 ) &
asan_pid=$!
trap 'kill $asan_pid 2> /dev/null; pkill -P $asan_pid 2> /dev/null; on_signal' INT TERM

# ------------------------------------------------------------------ default
say "build/ (default options)"
default_ok=0
if configure build -Dwerror=true -Dwarning_level=3 -Db_sanitize=none -Db_colorout=auto \
        && build build; then
    default_ok=1
fi

# ------------------------------------------------------------------ chain A
if [ $default_ok = 1 ]; then
    # 8 kills (the script's own default is 12, its minimum 5)
    IRVI_KILLRESUME_KILLS=8 run_tests build "build (engine and app suites)" --suite engine --suite app
    run_tests build "build (fuzz: regressions, corpus, quick fixed run)" --suite fuzz
    # its executions per harness (meson keeps the output in its log)
    sed -n '/^== fuzz summary/,/^no crashes\|^CRASHES/p' build/meson-logs/testlog.txt 2> /dev/null
    say "default chain done; waiting for the ASan chain"
fi

wait $asan_pid
cat "$LOGDIR/asan.out"
if [ -f "$LOGDIR/asan.fail" ]; then
    FAILED=$((FAILED + 1)) # its reason and log are in the output above
else
    count build-asan "build-asan (engine and app suites)" "$(cat "$LOGDIR/asan-main.rc" 2> /dev/null || echo 1)" asan-main
    count build-asan "build-asan (SDL windows, no leak check)" "$(cat "$LOGDIR/asan-sdl.rc" 2> /dev/null || echo 1)" asan-sdl
    check_reports "$reports" "build-asan"
fi

# ------------------------------------------------------------------ optional
# add_check NAME SCRIPT: run a check script, add the counts of its last line.
add_check() {
    local name=$1 script=$2 log="$LOGDIR/$1.log" last p f s
    say "$name: bash $script"
    bash "$script" 2>&1 | tee "$log"
    last=$(tail -n 1 "$log")
    if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
        p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
        PASSED=$((PASSED + p))
        FAILED=$((FAILED + f))
        SKIPPED=$((SKIPPED + s))
    else
        stage_fail "$name (no result line)"
    fi
}
[ $WITH_VALGRIND = 1 ] && stage_begin "valgrind" && add_check valgrind "$ROOT/scripts/check-valgrind.sh"
[ $WITH_TSAN = 1 ] && stage_begin "tsan" && add_check tsan "$ROOT/scripts/check-tsan.sh"

final_line
[ "$FAILED" -eq 0 ]
