#!/bin/bash
# tests/cli/experiment.sh — `irvi experiment` from the outside: the listing,
# bad flags and names exit 2 with a message naming what is wrong (no data
# needed); with MNIST present, each experiment of app/experiments/exp_{table1,exact,fig2,
# refsteps,curves}.c runs at the hidden tiny budget (seconds each) and writes
# results.json, its PNGs and section.md, all non-empty with the numbers the
# section promises; `irvi experiment report` assembles them (figures copied
# beside the README) and names the sections that are missing; job plans
# (--jobs list|parallel|slurm) are written.
# usage: experiment.sh IRVI_EXE SCRATCH_DIR [MNIST_DIR]   (exit 0 ok, 1 fail, 77 skip)
irvi=$1
scratch=$2
mnist=$3
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
[ -n "$scratch" ] || { echo "usage: $0 IRVI SCRATCH [MNIST_DIR]"; exit 1; }
dir="$scratch/cli_experiment"
rm -rf "$dir"
mkdir -p "$dir" || exit 1
fail=0

expect_usage() { # text the message must contain, args...
    local want=$1 rc err
    shift
    "$irvi" experiment "$@" > /dev/null 2> "$dir/stderr"
    rc=$?
    err=$(cat "$dir/stderr")
    if [ "$rc" -ne 2 ]; then
        echo "FAIL: irvi experiment $* exited $rc (want 2): $err"; fail=1
    elif [[ "$err" != *"$want"* ]]; then
        echo "FAIL: irvi experiment $*: message does not name '$want': $err"; fail=1
    else
        echo "ok: $err"
    fi
}

expect_usage "unknown experiment 'nosuch'" nosuch
expect_usage --budget table1 --budget huge
expect_usage --threads table1 --threads -1
expect_usage --seed exact --seed x
expect_usage "needs a value" fig2 --root
expect_usage "unknown option '--frobnicate'" curves --frobnicate 1
expect_usage "unknown model id 'nope'" table1 --model-nope /dev/null
expect_usage "--model-air200" table1 --model-air200 "$dir/does-not-exist.irvi"
expect_usage "unknown option '--budget'" report --budget short
expect_usage "usage" # no arguments at all

list=$("$irvi" experiment list) || { echo "FAIL: irvi experiment list exited $?"; fail=1; }
for name in table1 exact fig2 refsteps curves; do
    if ! grep -q "^$name " <<< "$list"; then
        echo "FAIL: irvi experiment list lacks $name"; fail=1
    fi
done

if [ -z "$mnist" ] || [ ! -f "$mnist/train-images-idx3-ubyte" ]; then
    echo "SKIP: no MNIST in '$mnist' (runs need data; flag checks done)"
    [ "$fail" -eq 0 ] && exit 77
    exit 1
fi

# job plans (app/experiments/exp_jobs.c) are written without running them
# (the engines run them in cli_jobs_parallel / cli_jobs_slurm, default build)
for how in list parallel slurm; do
    if ! "$irvi" experiment fig2 --budget tiny --threads 1 --root "$dir/plan-$how" --data-dir "$mnist" --jobs "$how" \
            > "$dir/plan-$how.out" 2> "$dir/plan-$how.err"; then
        echo "FAIL: fig2 --jobs $how: $(cat "$dir/plan-$how.err")"; fail=1
    fi
done
grep -c "experiment train-model" "$dir/plan-list.out" | grep -qx 2 &&
    [ "$(wc -l < "$dir/plan-parallel/jobs/train.txt")" -eq 2 ] && [ -s "$dir/plan-slurm/jobs/train.sbatch" ] &&
    echo "ok: job plans: list, parallel (train.txt), slurm (train.sbatch)" ||
    { echo "FAIL: job plans"; cat "$dir/plan-list.out"; ls -R "$dir/plan-parallel" "$dir/plan-slurm"; fail=1; }

root="$dir/exp"
nonempty() { # file...
    for f in "$@"; do
        if [ ! -s "$f" ]; then echo "FAIL: $f missing or empty"; fail=1; fi
    done
}
png() { # file: the PNG signature
    if [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
        echo "FAIL: $1 is not a PNG"; fail=1
    fi
}
run() { # name
    if ! "$irvi" experiment "$1" --budget tiny --root "$root" --data-dir "$mnist" --threads 1 \
            > "$dir/$1.out" 2> "$dir/$1.err"; then
        echo "FAIL: irvi experiment $1 --budget tiny exited non-zero:"; tail -5 "$dir/$1.err"
        fail=1
    else
        echo "ok: experiment $1 ($(tail -1 "$dir/$1.err"))"
    fi
    nonempty "$root/$1/results.json" "$root/$1/section.md"
    [ -e "$root/$1/section.md.part" ] && { echo "FAIL: $1 left section.md.part"; fail=1; }
    grep -q "Budget: tiny" "$root/$1/section.md" || { echo "FAIL: $1 section states no budget"; fail=1; }
}

run table1
for id in rws200 air200 rws200-200-200 darn-air500; do # every row trained, a complete model each
    nonempty "$root/table1/models/$id/best.irvi" "$root/table1/models/$id/metrics.jsonl" \
        "$root/table1/models/$id/trained.json"
done
grep -q '| SBN AIR (200-200) |' "$root/table1/section.md" || { echo "FAIL: table1 lacks the SBN AIR (200-200) row"; fail=1; }
grep -q '| DARN RWS (500) |' "$root/table1/section.md" || { echo "FAIL: table1 lacks the DARN RWS (500) row"; fail=1; }
# the numbers are finite bounds: no null in the results
grep -q '"lower_bound": -[0-9]' "$root/table1/results.json" || { echo "FAIL: table1 results have no lower bound"; fail=1; }
if grep -q '"lower_bound": null' "$root/table1/results.json"; then echo "FAIL: table1 has a non-finite bound"; fail=1; fi

run exact
grep -q '"exact": -[0-9]' "$root/exact/results.json" || { echo "FAIL: exact has no exact log-likelihood"; fail=1; }

run fig2 # reuses exact's rws20 and table1's rws200
grep -q "reusing" "$dir/fig2.err" || { echo "FAIL: fig2 did not reuse the trained models"; fail=1; }
[ -d "$root/fig2/models" ] && { echo "FAIL: fig2 trained a model it could reuse"; fail=1; }
nonempty "$root/fig2/most_improved.png" "$root/fig2/simplified.png"
png "$root/fig2/most_improved.png"

run refsteps
nonempty "$root/refsteps/refsteps.png" "$root/refsteps/refsteps.csv"
png "$root/refsteps/refsteps.png"
# 3 models x (steps 0..5) + header
[ "$(wc -l < "$root/refsteps/refsteps.csv")" -eq 19 ] || { echo "FAIL: refsteps.csv has $(wc -l < "$root/refsteps/refsteps.csv") lines (want 19)"; fail=1; }

run curves
nonempty "$root/curves/curves_epochs.png" "$root/curves/curves_seconds.png" "$root/curves/curves.csv"
png "$root/curves/curves_seconds.png"
for e in table2 bihm; do run "$e"; done # Table 2 (VAE, GDIR); Supp. 4 (reuses table1's air200-200-200)

# a model from a file instead of training: --model-ID
"$irvi" experiment exact --budget tiny --root "$dir/exp2" --data-dir "$mnist" --threads 1 \
    --model-rws20 "$root/exact/models/rws20/best.irvi" > /dev/null 2> "$dir/given.err" \
    || { echo "FAIL: exact --model-rws20 exited non-zero"; fail=1; }
[ -d "$dir/exp2/exact/models" ] && { echo "FAIL: exact trained although --model-rws20 was given"; fail=1; }
grep -q '"source": "given"' "$dir/exp2/exact/results.json" || { echo "FAIL: exact results do not say the model was given"; fail=1; }

# the report: sections in order, figures copied, missing ones named
out="$dir/report"
if ! "$irvi" experiment report --root "$root" --out "$out" > "$dir/report.out" 2> "$dir/report.err"; then
    echo "FAIL: irvi experiment report exited non-zero: $(cat "$dir/report.err")"; fail=1
fi
readme="$out/README.md"
nonempty "$readme" "$out/fig2/most_improved.png" "$out/refsteps/refsteps.png" "$out/curves/curves_epochs.png"
for row in '| SBN RWS (200) |' '| DARN AIR (500) |' '| exact log p(x) |' '](fig2/most_improved.png)' \
           '](refsteps/refsteps.png)' '](curves/curves_seconds.png)' 'Missing sections'; do
    grep -qF "$row" "$readme" || { echo "FAIL: report lacks '$row'"; fail=1; }
done
t1=$(grep -n '^## Table 1' "$readme" | cut -d: -f1)
ex=$(grep -n '^## Exact' "$readme" | cut -d: -f1)
cv=$(grep -n '^## Supplement Fig. 2' "$readme" | cut -d: -f1)
if ! [ -n "$t1" ] || ! [ -n "$ex" ] || ! [ -n "$cv" ] || [ "$t1" -gt "$ex" ] || [ "$ex" -gt "$cv" ]; then
    echo "FAIL: report sections out of order (table1 $t1, exact $ex, curves $cv)"; fail=1
fi

run classify; grep -qF '| refined θK = μK |' "$root/classify/section.md" && grep -q reusing "$dir/classify.err" || { echo "FAIL: classify lacks the refined row or trained its own rws200"; fail=1; } # Sec. 5.4, after the report (whose check expects a missing section); reuses table1's rws200

[ "$fail" -eq 0 ] && echo "PASS"
exit $fail
