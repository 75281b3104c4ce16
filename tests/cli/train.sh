#!/bin/bash
# tests/cli/train.sh — `irvi train` from the outside: bad flags exit 2 with a
# message naming the flag (no data needed); with MNIST present, a short run
# writes metrics.jsonl, checkpoint.irvi and best.irvi, a second start into the
# same directory is refused, and --resume continues where it stopped.
# usage: train.sh IRVI_EXE SCRATCH_DIR [MNIST_DIR]   (exit 0 ok, 1 fail, 77 skip)
irvi=$1
scratch=$2
mnist=$3
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
[ -n "$scratch" ] || { echo "usage: $0 IRVI SCRATCH [MNIST_DIR]"; exit 1; }
dir="$scratch/cli_train"
rm -rf "$dir"
mkdir -p "$dir" || exit 1
fail=0

expect_usage() { # flag-name, args...
    local flag=$1 rc err
    shift
    "$irvi" train "$@" --out "$dir/never" > /dev/null 2> "$dir/stderr"
    rc=$?
    err=$(cat "$dir/stderr")
    if [ "$rc" -ne 2 ]; then
        echo "FAIL: irvi train $* exited $rc (want 2): $err"; fail=1
    elif [[ "$err" != *"$flag"* ]]; then
        echo "FAIL: irvi train $*: message does not name $flag: $err"; fail=1
    else
        echo "ok: $err"
    fi
}

expect_usage --K --K -1
expect_usage --gamma --gamma 2
expect_usage --gamma --gamma 0
expect_usage --layers --layers 0
expect_usage --algo --algo foo
expect_usage --M --M 0
expect_usage --epochs --epochs -3
expect_usage --batch --batch 0
expect_usage --lr --lr abc
expect_usage --valid-N --valid-N 0
expect_usage --threads --threads x
expect_usage --nosuchflag --nosuchflag 1
[ -e "$dir/never" ] && { echo "FAIL: a rejected command created its output directory"; fail=1; }
"$irvi" train --help > /dev/null || { echo "FAIL: irvi train --help"; fail=1; }

if [ -z "$mnist" ] || [ ! -e "$mnist/train-images-idx3-ubyte" ] && [ ! -e "$mnist/train-images-idx3-ubyte.gz" ]; then
    echo "SKIP: MNIST not found in '$mnist' (flag checks: $([ $fail -eq 0 ] && echo passed || echo FAILED))"
    [ $fail -eq 0 ] && exit 77 || exit 1
fi

out="$dir/run"
common=(--data mnist --data-dir "$mnist" --layers 20 --valid-n 200 --valid-N 10 --K 5 --M 5 --threads 2 --out "$out")
if "$irvi" train "${common[@]}" --epochs 1 --max-updates 30 > "$dir/run1.out" 2> "$dir/run1.err"; then
    echo "ok: first run"; cat "$dir/run1.out"
else
    echo "FAIL: first run exited $?"; cat "$dir/run1.out" "$dir/run1.err"; fail=1
fi

check_metrics() { # expected line count, expected last updates
    local lines
    lines=$(wc -l < "$out/metrics.jsonl" 2>/dev/null || echo 0)
    [ "$lines" -eq "$1" ] || { echo "FAIL: metrics.jsonl has $lines lines, want $1"; fail=1; return; }
    if command -v python3 > /dev/null; then
        python3 - "$out/metrics.jsonl" "$2" <<'EOF' || fail=1
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
last = rows[-1]
need = ["epoch", "updates", "train_lb", "valid_lb0", "valid_lb", "valid_ll", "valid_ess",
        "best_valid_lb", "lr", "train_seconds", "valid_seconds", "wall"]
missing = [k for k in need if k not in last]
if missing:
    sys.exit("FAIL: metrics.jsonl lacks %s" % missing)
if last["updates"] != int(sys.argv[2]):
    sys.exit("FAIL: updates %s, want %s" % (last["updates"], sys.argv[2]))
for k in ["train_lb", "valid_lb0", "valid_lb", "valid_ll"]:
    if not (isinstance(last[k], float) and -800 < last[k] < 0):
        sys.exit("FAIL: %s = %r" % (k, last[k]))
if not 0 < last["valid_ess"] <= 1 or last["valid_ll"] < last["valid_lb"] - 1e-6:
    sys.exit("FAIL: implausible ESS / LL: %r" % last)
print("ok: metrics.jsonl parses:", json.dumps(last))
EOF
    else
        grep -q "\"updates\": $2," "$out/metrics.jsonl" || { echo "FAIL: no 'updates: $2' in metrics.jsonl"; fail=1; }
    fi
}

check_ckpt() {
    local f=$1
    [ -s "$f" ] || { echo "FAIL: $f missing or empty"; fail=1; return; }
    [ "$(head -c 8 "$f")" = "IRVICKPT" ] || { echo "FAIL: $f has no IRVICKPT magic"; fail=1; return; }
    echo "ok: $f ($(stat -c %s "$f") bytes)"
}

check_metrics 1 30
check_ckpt "$out/checkpoint.irvi"
check_ckpt "$out/best.irvi"
ls "$out" | grep -q '\.tmp\.' && { echo "FAIL: temporary files left in $out"; fail=1; }

# a second fresh start into the same directory is refused
"$irvi" train "${common[@]}" --epochs 1 > /dev/null 2> "$dir/stderr"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--resume" "$dir/stderr" && echo "ok: $(cat "$dir/stderr")" ||
    { echo "FAIL: restarting into $out exited $rc: $(cat "$dir/stderr")"; fail=1; }

# resume continues: a second (cut-short) epoch up to update 60
if "$irvi" train "${common[@]}" --resume --epochs 2 --max-updates 60 > "$dir/run2.out" 2> "$dir/run2.err"; then
    echo "ok: resumed run"; cat "$dir/run2.out"
    grep -q "resumed" "$dir/run2.out" || { echo "FAIL: resumed run does not say so"; fail=1; }
else
    echo "FAIL: resumed run exited $?"; cat "$dir/run2.out" "$dir/run2.err"; fail=1
fi
check_metrics 2 60
check_ckpt "$out/checkpoint.irvi"

# a corrupted checkpoint is refused with its name
cp "$out/checkpoint.irvi" "$dir/saved.irvi"
printf 'X' | dd of="$out/checkpoint.irvi" bs=1 seek=1000 conv=notrunc 2> /dev/null
"$irvi" train "${common[@]}" --resume --epochs 3 > /dev/null 2> "$dir/stderr"
rc=$?
[ $rc -eq 1 ] && grep -q "checkpoint.irvi" "$dir/stderr" && echo "ok: $(cat "$dir/stderr")" ||
    { echo "FAIL: corrupted checkpoint: exit $rc: $(cat "$dir/stderr")"; fail=1; }
cp "$dir/saved.irvi" "$out/checkpoint.irvi"

# SIGTERM: finish the step, save, exit 143
"$irvi" train "${common[@]}" --resume --epochs 3 > "$dir/run3.out" 2> "$dir/run3.err" &
pid=$!
for _ in $(seq 1 600); do # until the first step is done (the handler is in place by then)
    grep -q "batch 1/" "$dir/run3.err" 2> /dev/null && break
    sleep 0.1
done
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 143 ] && grep -q "checkpoint saved" "$dir/run3.err"; then
    echo "ok: SIGTERM -> 143: $(grep stopped "$dir/run3.err")"
    check_ckpt "$out/checkpoint.irvi"
else
    echo "FAIL: SIGTERM: exit $rc"; cat "$dir/run3.err"; fail=1
fi

[ $fail -eq 0 ] && echo "all cli_train checks passed"
exit $fail
