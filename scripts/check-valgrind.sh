#!/usr/bin/env bash
# scripts/check-valgrind.sh — the engine test suite under valgrind memcheck:
# no invalid reads or writes, no use of uninitialised values, no definite or
# indirect leaks (each such finding fails its test: --error-exitcode).
#
#   bash scripts/check-valgrind.sh [TEST...]     (default: the whole engine suite)
#
# Builds its own directory (IRVI_VALGRIND_BUILD, default build-valgrind/) with
# -Dnative=false: valgrind does not decode AVX-512, which -march=native turns
# on here. Counts like scripts/test.sh (last line "N passed, M failed[, S
# skipped]", exit 0 iff nothing failed); skipped when valgrind is missing
# (Debian package valgrind). Takes tens of minutes on 2 cores.
set -uo pipefail

cd "$(dirname "$0")/.." || { echo "0 passed, 1 failed"; exit 1; }
ROOT=$(pwd)
exec </dev/null
. "$ROOT/scripts/check-lib.sh" || { echo "0 passed, 1 failed"; exit 1; }

if ! command -v valgrind > /dev/null; then
    say "valgrind not found (Debian package valgrind): not run"
    SKIPPED=$((SKIPPED + 1))
    final_line
    exit 0
fi
dir=${IRVI_VALGRIND_BUILD:-build-valgrind}
sel=(--suite engine)
[ $# -gt 0 ] && sel=("$@")
say "$dir/ (valgrind memcheck, -Dnative=false)"
if configure "$dir" -Dnative=false -Dbuildtype=debugoptimized -Db_sanitize=none \
        -Dwerror=true -Dwarning_level=3 -Db_colorout=auto && build "$dir"; then
    export OPENBLAS_NUM_THREADS=1
    run_tests "$dir" "valgrind (${sel[*]})" "${sel[@]}" --timeout-multiplier 20 \
        --wrap "valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
fi
final_line
[ "$FAILED" -eq 0 ]
