#!/usr/bin/env bash
# scripts/test.sh — the one test command of irvi.
#
#   bash scripts/test.sh [--valgrind] [--tsan]
#
#   1. scripts/setup.sh (packages, MNIST)          unless IRVI_SKIP_SETUP=1
#   2. build/       default options: the engine and app suites (cli_killresume
#                   with 8 kills instead of 12: IRVI_KILLRESUME_KILLS)
#   3. build-asan/  ASan+UBSan, debugoptimized: the engine and app suites
#                   (the CLI scripts, the link stress test, the TUI under tmux,
#                   the SDL window under Xvfb). Not the fuzz suite: it builds
#                   its own ASan+UBSan libFuzzer binaries with clang. Every
#                   process writes sanitizer reports to files (log_path), so a
#                   report from a process no test checks the exit status of
#                   (irvi inside tmux, say) is a failure too.
#   4. build/       the fuzz suite: every regression input and the whole seed
#                   corpus replayed, then the quick fixed-seed libFuzzer run of
#                   tests/fuzz/run.sh --quick (1-10 % of the long fixed run's
#                   executions, <= 15 s per harness, two at a time). The long fixed run and
#                   random campaigns: scripts/fuzz.sh.
#   5. --valgrind   also scripts/check-valgrind.sh (engine suite under memcheck)
#      --tsan       also scripts/check-tsan.sh (ThreadSanitizer, 1 BLAS thread)
#
# Results are counted from meson's own build*/meson-logs/testlog.json (see
# scripts/check-lib.sh). A stage that cannot run (setup, configure or build
# failure) counts as one failure. The last line of output is always
# "N passed, M failed[, S skipped]", and the exit status is 0 iff M == 0.
# Each stage prints its wall and CPU time when it ends, and a table of them
# all comes before that last line. About 5-6 minutes after setup on an idle
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
        -h | --help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# ------------------------------------------------------------------ default
stage_begin "default build"
say "build/ (default options)"
default_ok=0
if configure build -Dwerror=true -Dwarning_level=3 -Db_sanitize=none -Db_colorout=auto \
        && build build; then
    default_ok=1
    stage_begin "default tests"
    # 8 kills (the script's own default is 12, its minimum 5)
    IRVI_KILLRESUME_KILLS=8 run_tests build "build (engine and app suites)" --suite engine --suite app
fi

# ------------------------------------------------------------------ sanitizers
stage_begin "asan build"
say "build-asan/ (address,undefined)"
reports=$(reports_dir asan)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$reports/report
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports/report
if configure build-asan -Db_sanitize=address,undefined -Dbuildtype=debugoptimized \
        -Db_lundef=false -Dwerror=true -Dwarning_level=3 -Db_colorout=auto \
        && build build-asan; then
    # sanitized code runs 2-4x slower: longer meson timeouts, and
    # cli_killresume with 6 kills instead of 12 and cheaper updates
    export IRVI_KILLRESUME_QUICK=1
    mapfile -t tests < <(meson test -C build-asan --list --suite engine --suite app 2> /dev/null |
        sed -n 's|^irvi:[a-z]* / ||p' | grep -vxE 'sdlview|inspector')
    [ ${#tests[@]} -gt 0 ] || tests=(--suite engine --suite app)
    stage_begin "asan tests"
    run_tests build-asan "build-asan (engine and app suites)" "${tests[@]}" --timeout-multiplier 3
    # SDL unloads libX11 and its drivers (dlclose) at SDL_Quit, so LSan sees
    # their allocations as leaks from unknown code: the SDL window test runs
    # without leak checking (every other ASan/UBSan check stays on)
    ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} \
        run_tests build-asan "build-asan (SDL windows, no leak check)" sdlview inspector --timeout-multiplier 3
    unset IRVI_KILLRESUME_QUICK
    check_reports "$reports" "build-asan"
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

# ------------------------------------------------------------------ fuzz
if [ $default_ok = 1 ]; then
    stage_begin "fuzz (build, quick run)"
    run_tests build "build (fuzz: regressions, corpus, quick fixed run)" --suite fuzz
    # its executions per harness (meson keeps the output in its log)
    sed -n '/^== fuzz summary/,/^no crashes\|^CRASHES/p' build/meson-logs/testlog.txt 2> /dev/null
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
