#!/usr/bin/env bash
# scripts/check-tsan.sh — ThreadSanitizer over the code that runs threads: the
# engine's worker pool (every engine test), the engine/UI link stress test
# (4 repeats) and the live terminal session under tmux (engine thread + UI
# thread), plus the other app tests.
#
#   bash scripts/check-tsan.sh [--quick]     (--quick: link stress test and TUI only)
#
# Builds its own directory (IRVI_TSAN_BUILD, default build-tsan/). OpenBLAS
# runs with 1 thread (OPENBLAS_NUM_THREADS=1; the engine asks for that too):
# its workers are not instrumented, and TSan reports races inside them that it
# cannot see the synchronisation of. Every process writes its reports to files
# (log_path), so a race in irvi inside tmux fails the run even when the test
# script does not notice. Counts like scripts/test.sh (last line "N passed,
# M failed[, S skipped]", exit 0 iff nothing failed).
set -uo pipefail

cd "$(dirname "$0")/.." || { echo "0 passed, 1 failed"; exit 1; }
ROOT=$(pwd)
exec </dev/null
. "$ROOT/scripts/check-lib.sh" || { echo "0 passed, 1 failed"; exit 1; }

quick=0
[ "${1:-}" = --quick ] && quick=1
dir=${IRVI_TSAN_BUILD:-build-tsan}
say "$dir/ (ThreadSanitizer)"
reports=$(reports_dir tsan)
export OPENBLAS_NUM_THREADS=1
# allocator_may_return_null: the fuzz replays feed matio files that ask for
# tens of GB; in production malloc fails and the loader reports it (as under
# ASan in scripts/test.sh). The suppressions cover Mesa's software renderer.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:allocator_may_return_null=1:suppressions=$ROOT/tests/tsan.supp:log_path=$reports/report"
if configure "$dir" -Db_sanitize=thread -Dbuildtype=debugoptimized -Db_lundef=false \
        -Dwerror=true -Dwarning_level=3 -Db_colorout=auto && build "$dir"; then
    run_tests "$dir" "tsan (link stress test, 4 runs)" link_tsan --repeat 4 --timeout-multiplier 5
    if [ $quick = 1 ]; then
        run_tests "$dir" "tsan (live TUI)" cli_tui --timeout-multiplier 5
    else
        # everything else of the engine and app suites (link_tsan ran above)
        mapfile -t rest < <(meson test -C "$dir" --list --suite engine --suite app 2> /dev/null |
            sed -n 's|^irvi:[a-z]* / ||p' | grep -vx link_tsan)
        [ ${#rest[@]} -gt 0 ] || rest=(--suite engine --suite app)
        run_tests "$dir" "tsan (engine and app suites)" "${rest[@]}" --timeout-multiplier 5
    fi
    check_reports "$reports" "tsan"
fi
final_line
[ "$FAILED" -eq 0 ]
