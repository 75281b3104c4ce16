#!/bin/bash
# tests/cli/faults.sh — bad input and numerical faults from the outside.
#
#   flags      out-of-range values exit 2 with a message naming the flag:
#              train --lr 1e3, --M 0, --gamma 0, --gamma 1.5, --layers -5,
#              eval -N 0; --K 0 is legal (no refinement) and is accepted
#   files      eval/exact on a missing or corrupt model exit 1 naming the file;
#              exact on a model with H > 24 exits 2 naming the file, before
#              reading any data (checked with a data directory that is missing)
#   NaN        a checkpoint whose parameters hold a NaN (written through the C
#              API by ckpt_compare poison) is refused by --resume: exit 1,
#              message names the file; one with finite but huge weights
#              resumes and the first step overflows: exit 1 with a numeric
#              error; either way checkpoint.irvi and best.irvi stay unchanged
#              and no temporary file is left
#   TERM=dumb  `irvi train` on a terminal it cannot drive (run under script(1)
#              for a pty) falls back to progress lines and finishes (exit 0);
#              `irvi eval`'s progress bar prints lines there, no redraws
# The live UI in a too-small terminal is tests/cli/tui.sh's.
#
# usage: faults.sh IRVI_EXE SCRATCH_DIR MNIST_DIR CKPT_COMPARE_EXE
#   (exit 0 ok, 1 fail, 77 skip: only when irvi is missing; without MNIST the
#   data-free checks still run and the rest is reported as skipped)
irvi=$1
scratch=$2
mnist=$3
tool=$4
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
[ -n "$scratch" ] || { echo "usage: $0 IRVI SCRATCH MNIST_DIR CKPT_COMPARE"; exit 1; }
dir="$scratch/cli_faults.$$"
rm -rf "$dir"
mkdir -p "$dir" || exit 1
fail=0

# expect CODE WORD CMD...: exit status CODE and WORD in stderr
expect() {
    local want=$1 word=$2 rc err
    shift 2
    "$@" > "$dir/stdout" 2> "$dir/stderr" < /dev/null
    rc=$?
    err=$(tr '\n' ' ' < "$dir/stderr")
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: ${*#$irvi} exited $rc (want $want): $err"; fail=1
    elif [[ "$err" != *"$word"* ]]; then
        echo "FAIL: ${*#$irvi}: the message does not name '$word': $err"; fail=1
    else
        echo "ok: [$rc] ${*:2} -> $err"
    fi
}

# ---- flags: no data needed (the flags are checked before anything is read) ----
never="$dir/never"
expect 2 --lr "$irvi" train --lr 1e3 --out "$never"
expect 2 --M "$irvi" train --M 0 --out "$never"
expect 2 --gamma "$irvi" train --gamma 0 --out "$never"
expect 2 --gamma "$irvi" train --gamma 1.5 --out "$never"
expect 2 --layers "$irvi" train --layers -5 --out "$never"
expect 2 --test-gamma "$irvi" train --test-gamma 1e-50 --out "$never" # 0 as a float: was ignored
expect 2 --lr "$irvi" train --lr 1e-50 --out "$never"
expect 2 --gamma "$irvi" refine --model "$dir/none.irvi" --gamma 1e-50
expect 2 --ckpt-every "$irvi" train --ckpt-every -1 --out "$never"
expect 2 -N "$irvi" eval --model "$dir/none.irvi" -N 0
expect 2 -N "$irvi" exact --model "$dir/none.irvi" -N 0
expect 2 --refine "$irvi" eval --model "$dir/none.irvi" --refine 20,0,0.1
expect 2 --refine "$irvi" eval --model "$dir/none.irvi" --refine 4294967296,20,0.1 # was read as K=0
expect 2 --refine "$irvi" eval --model "$dir/none.irvi" --refine 20,20,1e-50 # was read as gamma=0
[ -e "$never" ] && { echo "FAIL: a rejected command created its output directory"; fail=1; }
# --K 0 is legal (training without refinement): it gets past the flags and
# fails only on the data directory, which it names (exit 1)
expect 1 "$dir/no-data" "$irvi" train --K 0 --data-dir "$dir/no-data" --out "$dir/k0-nodata"

# ---- model files -------------------------------------------------------------
expect 1 "$dir/none.irvi" "$irvi" eval --model "$dir/none.irvi"
printf 'IRVICKPT this is not a checkpoint' > "$dir/junk.irvi"
expect 1 "$dir/junk.irvi" "$irvi" exact --model "$dir/junk.irvi"

if [ -z "$mnist" ] || ! ls "$mnist"/train-images*idx3* > /dev/null 2>&1; then
    echo "SKIP: MNIST not found in '$mnist': NaN, exact H > 24 and TERM=dumb checks not run"
    [ $fail -eq 0 ] && exit 77 || exit 1
fi
[ -x "$tool" ] || { echo "FAIL: no ckpt_compare executable '$tool'"; exit 1; }

common=(--headless --data-dir "$mnist" --valid-n 50 --valid-N 2 --K 2 --M 2 --N 5 --threads 1)

# --K 0 trains
if "$irvi" train "${common[@]}" --layers 5 --K 0 --epochs 1 --max-updates 3 --out "$dir/k0" \
        > "$dir/k0.out" 2>&1; then
    echo "ok: --K 0 trains: $(tail -n 1 "$dir/k0.out")"
else
    echo "FAIL: --K 0 run"; cat "$dir/k0.out"; fail=1
fi

# exact on a model with H > 24
if "$irvi" train "${common[@]}" --layers 30 --epochs 1 --max-updates 2 --out "$dir/h30" \
        > "$dir/h30.out" 2>&1; then
    expect 2 "$dir/h30/best.irvi" "$irvi" exact --model "$dir/h30/best.irvi" --data-dir "$mnist" --n 2
    # the model is refused before the data is read: a missing data directory
    # would otherwise be the error (exit 1)
    expect 2 "at most 24 units" "$irvi" exact --model "$dir/h30/best.irvi" --data-dir "$dir/no-data" --n 2
else
    echo "FAIL: training the H=30 model"; cat "$dir/h30.out"; fail=1
fi

# ---- NaN ---------------------------------------------------------------------
base="$dir/base"
if ! "$irvi" train "${common[@]}" --layers 10 --epochs 2 --max-updates 20 --out "$base" \
        > "$dir/base.out" 2>&1; then
    echo "FAIL: base run"; cat "$dir/base.out"; exit 1
fi
poisoned() { # how, then the checks
    local how=$1 word=$2 out="$dir/$1"
    mkdir -p "$out"
    cp "$base/best.irvi" "$base/metrics.jsonl" "$out/"
    if ! "$tool" poison "$base/checkpoint.irvi" "$out/checkpoint.irvi" "$how" --data-dir "$mnist"; then
        echo "FAIL: ckpt_compare poison $how"; fail=1; return
    fi
    local ck0 best0
    ck0=$(md5sum < "$out/checkpoint.irvi")
    best0=$(md5sum < "$out/best.irvi")
    expect 1 "$word" "$irvi" train "${common[@]}" --epochs 2 --max-updates 40 --ckpt-every 0.01 \
        --out "$out" --resume
    grep -q "checkpoint.irvi" "$dir/stderr" ||
        { echo "FAIL: $how: the message does not name the checkpoint"; fail=1; }
    [ "$(md5sum < "$out/checkpoint.irvi")" = "$ck0" ] && echo "ok: $how: checkpoint.irvi unchanged" ||
        { echo "FAIL: $how: checkpoint.irvi changed"; fail=1; }
    [ "$(md5sum < "$out/best.irvi")" = "$best0" ] && echo "ok: $how: best.irvi unchanged" ||
        { echo "FAIL: $how: best.irvi changed"; fail=1; }
    ls "$out" | grep -q '\.tmp\.' && { echo "FAIL: $how: temporary files left"; fail=1; }
}
poisoned nan "not all finite"
poisoned huge "non-finite"

# ---- TERM=dumb on a terminal: progress lines instead of the live UI ------------
if command -v script > /dev/null; then
    cmd=$(printf '%q ' "$irvi" train --data-dir "$mnist" --valid-n 50 --valid-N 2 --K 2 --M 2 --N 5 \
        --threads 1 --layers 5 --epochs 1 --max-updates 60 --out "$dir/dumb")
    TERM=dumb timeout 120 script -qec "$cmd; echo irvi-exit \$?" /dev/null < /dev/null > "$dir/dumb.txt" 2>&1
    # plain lines (no ESC [ K: a dumb terminal cannot erase), the epoch line, done
    if grep -q 'irvi-exit 0' "$dir/dumb.txt" && grep -q 'TERM is dumb' "$dir/dumb.txt" &&
        grep -q '^epoch 1/1  batch 50/500' "$dir/dumb.txt" && ! grep -q $'\e' "$dir/dumb.txt" &&
        grep -q '^epoch 1/1 (cut short)  updates 60' "$dir/dumb.txt" && grep -q '^done: 60 updates' "$dir/dumb.txt"; then
        echo "ok: TERM=dumb on a pty: $(grep -o 'no terminal UI[^;]*;[^.]*' "$dir/dumb.txt" | head -n 1 | tr -d '\r'), finished"
    else
        echo "FAIL: TERM=dumb on a pty:"; cat -v "$dir/dumb.txt" | tail -n 20; fail=1
    fi
    # the progress bar of eval: a line per 10% on a dumb terminal, never a redraw
    cmd=$(printf '%q ' "$irvi" eval --model "$dir/base/best.irvi" --data-dir "$mnist" --n 200 -N 20 \
        --refine 2,2,0.1 --threads 1)
    TERM=dumb timeout 120 script -qec "$cmd; echo irvi-exit \$?" /dev/null < /dev/null > "$dir/dumb-eval.txt" 2>&1
    # (the pty turns every \n into \r\n; a redraw is a \r not before \n)
    if grep -q 'irvi-exit 0' "$dir/dumb-eval.txt" && grep -q '^evaluating: 100%' "$dir/dumb-eval.txt" &&
        python3 -c 'import re, sys; sys.exit(bool(re.search(rb"\r(?!\n)", open(sys.argv[1], "rb").read())))' \
            "$dir/dumb-eval.txt" &&
        ! grep -q 'evaluating \[' "$dir/dumb-eval.txt" && ! grep -q $'\e' "$dir/dumb-eval.txt"; then
        echo "ok: TERM=dumb on a pty: eval prints $(grep -c '^evaluating:' "$dir/dumb-eval.txt") progress lines, no redraws"
    else
        echo "FAIL: TERM=dumb on a pty, eval's progress:"; cat -v "$dir/dumb-eval.txt" | tail -n 20; fail=1
    fi
else
    echo "SKIP: no script(1): TERM=dumb check not run"
fi

if [ $fail -eq 0 ]; then
    echo "all cli_faults checks passed"
    rm -rf "$dir"
else
    echo "files kept in $dir"
fi
exit $fail
