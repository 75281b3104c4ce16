#!/bin/bash
# tests/cli/blas.sh — the BLAS self-check (engine/blas_check.c): `irvi
# --version` reports the BLAS, its core type, threads and a passed check; with
# IRVI_BLAS_CHECK_CORRUPT=1 (the reference product made wrong) --version and
# every command that computes refuse with exit 1 and one message that names
# the OpenBLAS core type and the fix (OPENBLAS_CORETYPE=...), before reading
# any file; commands that do not compute (data) and --help still run.
# usage: blas.sh IRVI_EXE SCRATCH_DIR   (exit 0 ok, 1 fail, 77 skip)
irvi=$1
scratch=$2
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
dir="$scratch/cli_blas.$$"
mkdir -p "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0

if out=$("$irvi" --version); then
    echo "$out"
    for want in '^irvi [0-9]' '^BLAS: ' '^BLAS core type: ' '^BLAS threads: ' '^BLAS check: passed'; do
        grep -q "$want" <<< "$out" || { echo "FAIL: --version lacks /$want/"; fail=1; }
    done
else
    echo "FAIL: irvi --version exited $?"; fail=1
fi

core=$(sed -n 's/^BLAS core type: \([^ ]*\).*/\1/p' <<< "$out")
v=$(IRVI_BLAS_CHECK_CORRUPT=1 "$irvi" --version)
rc=$?
[ $rc -eq 1 ] && grep -q '^BLAS check: FAILED: .*OPENBLAS_CORETYPE=' <<< "$v" &&
    echo "ok: --version with a corrupted reference: exit 1, $(grep -c . <<< "$v") lines" ||
    { echo "FAIL: --version with IRVI_BLAS_CHECK_CORRUPT=1: exit $rc: $v"; fail=1; }

# refused: exit 1, a single stderr line with the core type and the fix, and
# before the missing model or data directory is looked at
refused() {
    local rc err
    IRVI_BLAS_CHECK_CORRUPT=1 "$irvi" "$@" > "$dir/stdout" 2> "$dir/stderr" < /dev/null
    rc=$?
    err=$(cat "$dir/stderr")
    if [ $rc -ne 1 ]; then
        echo "FAIL: irvi $* with a corrupted BLAS check exited $rc: $err"; fail=1
    elif [ "$(wc -l < "$dir/stderr")" -ne 1 ]; then
        echo "FAIL: irvi $*: $(wc -l < "$dir/stderr") stderr lines:"; cat "$dir/stderr"; fail=1
    elif [[ "$err" != "irvi: refusing to run: the BLAS computes wrong"* ]] ||
        [[ "$err" != *"OpenBLAS core type: $core"* ]] || [[ "$err" != *"OPENBLAS_CORETYPE=Prescott"* ]]; then
        echo "FAIL: irvi $*: the message lacks the core type or the fix: $err"; fail=1
    elif [ -s "$dir/stdout" ] || [ -e "$dir/out" ]; then
        echo "FAIL: irvi $*: wrote output before refusing"; fail=1
    else
        echo "ok: irvi $* refused"
    fi
}
refused train --headless --data-dir "$dir/no-data" --out "$dir/out"
refused eval --model "$dir/none.irvi"
refused exact --model "$dir/none.irvi"
refused refine --model "$dir/none.irvi"
refused export --model "$dir/none.irvi"
refused experiment table1 --root "$dir/out"
echo "the message: $(cat "$dir/stderr")"

# not refused: --help, and commands that do no arithmetic
IRVI_BLAS_CHECK_CORRUPT=1 "$irvi" train --help > /dev/null ||
    { echo "FAIL: train --help refused"; fail=1; }
IRVI_BLAS_CHECK_CORRUPT=1 "$irvi" data info nosuchset 2> "$dir/stderr"
grep -q 'refusing' "$dir/stderr" && { echo "FAIL: irvi data refused"; fail=1; }

[ $fail -eq 0 ] && echo "all cli_blas checks passed"
exit $fail
