#!/bin/bash
# tests/cli/jobs_parallel.sh — job plans (app/exp_jobs.c) with GNU parallel:
#   1. bad --jobs values exit 2; `--jobs list` prints one train-model line per
#      model, one line per experiment and the report line;
#   2. the plan of `irvi experiment fig2 --budget tiny --max-updates U --jobs
#      parallel` (two models, rws20 and rws200, one evaluation); the report
#      before anything ran marks both models unfinished (not started);
#   3. one training job run through the plan's Slurm batch script outside
#      Slurm (SLURM_ARRAY_TASK_ID=1 bash train.sbatch) with SIGTERM sent to the
#      batch shell only, as --signal=B:TERM@S does before the time limit: the
#      shell forwards it, irvi checkpoints and exits 75, and so does the script;
#      the report marks that model unfinished (checkpoint);
#   4. run-parallel.sh 2 (parallel -j 2 over train.txt, then eval.txt, then the
#      report): the stopped model resumes, both finish, fig2 is evaluated, the
#      report has the finished rows and the fig2 section;
#   5. the same training line again is a no-op (complete already, exit 0).
# usage: jobs_parallel.sh IRVI_EXE SCRATCH_DIR MNIST_DIR   (exit 0 ok, 1 fail, 77 skip)
irvi=$1
scratch=$2
mnist=$3
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
command -v parallel > /dev/null 2>&1 || { echo "SKIP: GNU parallel not installed (apt-get install parallel)"; exit 77; }
if [ -z "$mnist" ] || ! ls "$mnist"/train-images*idx3* > /dev/null 2>&1; then
    echo "SKIP: MNIST not found in '$mnist'"; exit 77
fi
dir="$scratch/cli_jobs_parallel.$$"
rm -rf "$dir"
mkdir -p "$dir" || exit 1
fail=0
T0=$(date +%s)
UPDATES=${IRVI_JOBS_UPDATES:-200}
root="$dir/exp"
common=(--budget tiny --threads 1 --seed 2 --data-dir "$mnist" --max-updates "$UPDATES")

# ---- 1. flags, --jobs list ------------------------------------------------------
"$irvi" experiment fig2 --jobs bogus > /dev/null 2> "$dir/err"; rc=$?
if [ "$rc" -ne 2 ] || ! grep -q -- "--jobs: 'bogus'" "$dir/err"; then
    echo "FAIL: --jobs bogus exited $rc: $(cat "$dir/err")"; fail=1
else
    echo "ok: $(cat "$dir/err")"
fi
if ! "$irvi" experiment all "${common[@]}" --root "$dir/all" --jobs list > "$dir/list.out" 2> "$dir/list.err"; then
    echo "FAIL: all --jobs list"; cat "$dir/list.err"; fail=1
fi
ntrain=$(grep -c " experiment train-model " "$dir/list.out")
neval=$(grep -cE " experiment (table1|table2|exact|fig2|refsteps|curves|classify|bihm) " "$dir/list.out")
nrep=$(grep -c " experiment report " "$dir/list.out")
if [ "$ntrain" -ne 11 ] || [ "$neval" -ne 8 ] || [ "$nrep" -ne 1 ]; then
    echo "FAIL: all --jobs list: $ntrain training, $neval evaluation, $nrep report lines (want 11, 8, 1)"
    cat "$dir/list.out"; fail=1
else
    echo "ok: all --jobs list: 11 training lines, 8 evaluation lines, the report line"
fi

# ---- 2. the plan, the report before anything ran -----------------------------------
if ! "$irvi" experiment fig2 "${common[@]}" --root "$root" --jobs parallel > "$dir/plan.out" 2> "$dir/plan.err"; then
    echo "FAIL: fig2 --jobs parallel"; cat "$dir/plan.err"; exit 1
fi
jobs="$root/jobs"
echo "ok: plan: $(tr '\n' ' ' < "$dir/plan.err")"
[ "$(wc -l < "$jobs/train.txt")" -eq 2 ] || { echo "FAIL: train.txt:"; cat "$jobs/train.txt"; fail=1; }
[ "$(wc -l < "$jobs/eval.txt")" -eq 1 ] || { echo "FAIL: eval.txt:"; cat "$jobs/eval.txt"; fail=1; }
"$irvi" experiment report --root "$root" --out "$dir/rep0" > "$dir/rep0.out" 2>&1 ||
    { echo "FAIL: report before the jobs"; cat "$dir/rep0.out"; fail=1; }
for m in rws20 rws200; do
    grep -qE "^\| $m \| \*\*unfinished\*\*: not started" "$dir/rep0/README.md" ||
        { echo "FAIL: the early report does not mark $m unfinished"; fail=1; }
done
echo "ok: report before the jobs: $(grep -cE '^\| .* \| \*\*unfinished' "$dir/rep0/README.md") models marked unfinished"

# ---- 3. a training line stopped by SIGTERM --------------------------------------
line=$(grep " rws200 " "$jobs/train.txt")
[ "$(sed -n 's/^1) set -- \(.*\) ;;$/\1/p' "$jobs/train.sbatch")" = "$line" ] ||
    { echo "FAIL: task 1 of train.sbatch is not line 2 of train.txt"; fail=1; }
env -u SLURM_JOB_ID SLURM_ARRAY_TASK_ID=1 bash "$jobs/train.sbatch" > "$dir/term.out" 2> "$dir/term.err" &
pid=$!
for i in $(seq 600); do grep -q "starting training" "$dir/term.err" && break; sleep 0.1; done
sleep 1
kill -TERM "$pid" # the batch shell only
wait "$pid"; rc=$?
if [ "$rc" -ne 75 ] || [ ! -s "$jobs/models/rws200/checkpoint.irvi" ]; then
    echo "FAIL: SIGTERM: exit $rc (want 75), checkpoint $(ls "$jobs/models/rws200" 2>&1)"; cat "$dir/term.err"; fail=1
else
    echo "ok: SIGTERM to the batch shell: forwarded, exit 75, $(grep -h 'stopped by SIGTERM' "$dir/term.err" | cut -c1-80)"
fi
"$irvi" experiment report --root "$root" --out "$dir/rep1" > /dev/null 2>&1
grep -qE "^\| rws200 \| \*\*unfinished\*\*: checkpoint" "$dir/rep1/README.md" ||
    { echo "FAIL: the report does not mark the stopped rws200 unfinished (checkpoint)"; fail=1; }

# ---- 4. parallel -j 2 ---------------------------------------------------------------
t=$(date +%s)
if ! "$jobs/run-parallel.sh" 2 > "$dir/par.out" 2> "$dir/par.err"; then
    echo "FAIL: run-parallel.sh 2"; tail -n 20 "$dir/par.out" "$dir/par.err"; fail=1
fi
echo "ok: run-parallel.sh 2 (parallel --jobs 2) in $(($(date +%s) - t)) s:"
sed 's/^/    /' "$jobs/train.joblog" "$jobs/eval.joblog" | cut -c1-160
grep -q "rws200: resumed at update" "$dir/par.out" "$dir/par.err" ||
    { echo "FAIL: the stopped rws200 was not resumed"; fail=1; }
for m in rws20 rws200; do
    grep -q '"updates": '"$UPDATES" "$jobs/models/$m/trained.json" 2> /dev/null ||
        { echo "FAIL: model $m did not finish"; fail=1; }
done
md="$root/report/README.md"
[ -s "$root/fig2/section.md" ] || { echo "FAIL: no fig2 section"; fail=1; }
if [ -s "$md" ]; then
    echo "report rows:"; grep -E '^\| rws200? \|' "$md"
    for m in rws20 rws200; do
        grep -qE "^\| $m \| finished" "$md" || { echo "FAIL: no finished row for $m in the report"; fail=1; }
    done
    grep -q "Figure 2" "$md" || { echo "FAIL: the report lacks the fig2 section"; fail=1; }
else
    echo "FAIL: no report $md"; fail=1
fi

# ---- 5. idempotent ----------------------------------------------------------------
if bash -c "exec $line" > "$dir/again.out" 2> "$dir/again.err" && grep -q "complete already" "$dir/again.err"; then
    echo "ok: the training line again: $(cat "$dir/again.err")"
else
    echo "FAIL: the training line run again:"; cat "$dir/again.err"; fail=1
fi

echo "cli_jobs_parallel: $(($(date +%s) - T0)) s"
[ "$fail" -eq 0 ] && rm -rf "$dir"
exit "$fail"
