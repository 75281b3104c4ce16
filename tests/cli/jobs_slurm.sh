#!/bin/bash
# tests/cli/jobs_slurm.sh — a job plan on a real Slurm: the test starts a
# single-node cluster on localhost (munged, slurmctld, slurmd, every file in a
# temporary folder, unprivileged ports), then
#   1. writes the plan of `irvi experiment fig2 --budget tiny --max-updates U
#      --jobs slurm` (two models: rws20 and rws200, one evaluation) and submits
#      it with ROOT/jobs/submit.sh (training array, evaluation array afterok,
#      report afterany);
#   2. while task 1 (rws200) trains, `scontrol requeue`s it: the job gets
#      SIGTERM, writes its checkpoint at the next step boundary and exits 75;
#      Slurm holds the requeued job (BeginTime) until `scontrol update
#      StartTime=now`, and the second run (SLURM_RESTART_COUNT=1) resumes it;
#   3. waits for every job, then checks that every model finished, that the
#      requeued model's checkpoint and best model equal an uninterrupted run's
#      bit for bit (ckpt_compare same), and that the report lists the models
#      and the fig2 section.
# The daemons are stopped by the pids in their pid files at the end. When
# Slurm cannot run here (not root, packages missing, a daemon does not start)
# the test exits 77 (skipped) with the reason: it never counts as passed.
# usage: jobs_slurm.sh IRVI_EXE SCRATCH_DIR MNIST_DIR CKPT_COMPARE_EXE
irvi=$1
scratch=$2
mnist=$3
tool=$4
skip() { echo "SKIP: $*"; exit 77; }
[ -x "$irvi" ] || skip "no irvi executable '$irvi'"
[ -x "$tool" ] || skip "no ckpt_compare executable '$tool'"
if [ -z "$mnist" ] || ! ls "$mnist"/train-images*idx3* > /dev/null 2>&1; then
    skip "MNIST not found in '$mnist'"
fi
[ "$(id -u)" -eq 0 ] || skip "a local Slurm needs root here (slurmd runs jobs as their user)"
for p in munged slurmctld slurmd sbatch scontrol squeue sinfo; do
    command -v "$p" > /dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
    command -v "$p" > /dev/null 2>&1 || skip "$p not installed (apt-get install slurm-wlm munge)"
done
T0=$(date +%s)
UPDATES=${IRVI_JOBS_UPDATES:-300}

# short paths: the munge socket name must fit a sockaddr_un
dir=$(mktemp -d /tmp/irvi-slurm.XXXXXX) || exit 1
chmod 755 "$dir"
root="$dir/exp"
ref="$dir/ref"
fail=0
stop_daemons() {
    local f pid i
    for f in slurmd slurmctld munged; do
        [ -s "$dir/$f.pid" ] || continue
        pid=$(cat "$dir/$f.pid")
        kill "$pid" 2> /dev/null || continue
        for i in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2> /dev/null && kill -9 "$pid" 2> /dev/null
    done
}
cleanup() {
    stop_daemons
    [ -n "$refpid" ] && kill "$refpid" 2> /dev/null
    if [ "$fail" -eq 0 ] && [ -z "$IRVI_KEEP" ]; then rm -rf "$dir"; else echo "kept $dir"; fi
}
trap cleanup EXIT

# ---- the cluster -------------------------------------------------------------
host=$(hostname -s)
ncpu=$(nproc)
port=$((20000 + ($$ % 20000)))
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2> /dev/null
chmod 400 "$dir/munge/munge.key"
if ! munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/socket" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
        --seed-file="$dir/munge/seed" > "$dir/munged.out" 2>&1; then
    skip "munged does not start: $(tail -n 3 "$dir/munged.out" "$dir/munged.log" 2> /dev/null | tr '\n' ' ')"
fi
cat > "$dir/slurm.conf" <<EOF
ClusterName=irvitest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SrunPortRange=$((port + 2))-$((port + 40))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
KillWait=30
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$ncpu State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -c -i > "$dir/slurmctld.out" 2>&1 ||
    skip "slurmctld does not start: $(tail -n 3 "$dir/slurmctld.out" "$dir/slurmctld.log" 2> /dev/null | tr '\n' ' ')"
slurmd > "$dir/slurmd.out" 2>&1 ||
    skip "slurmd does not start: $(tail -n 3 "$dir/slurmd.out" "$dir/slurmd.log" 2> /dev/null | tr '\n' ' ')"
up=0
for i in $(seq 60); do
    state=$(sinfo -h -N -o '%T' 2> /dev/null | head -n 1)
    if [ "$state" = idle ]; then up=1; break; fi
    sleep 0.5
done
[ "$up" = 1 ] || skip "the Slurm node does not come up (state '$state'): $(tail -n 3 "$dir/slurmctld.log" "$dir/slurmd.log" | tr '\n' ' ')"
echo "ok: Slurm $(sinfo -V | awk '{print $2}') up on $host ($ncpu CPUs, ports $port-$((port + 1))) in $(($(date +%s) - T0)) s"

# ---- the uninterrupted reference of the model to requeue (meanwhile) ----------
common=(--budget tiny --threads 1 --seed 3 --data-dir "$mnist" --max-updates "$UPDATES")
"$irvi" experiment train-model rws200 "${common[@]}" --root "$ref" > "$dir/ref.out" 2> "$dir/ref.err" &
refpid=$!

# ---- the plan, submitted ------------------------------------------------------
if ! "$irvi" experiment fig2 "${common[@]}" --root "$root" --jobs slurm > "$dir/plan.out" 2> "$dir/plan.err"; then
    echo "FAIL: irvi experiment fig2 --jobs slurm"; cat "$dir/plan.err"; fail=1; exit 1
fi
jobs="$root/jobs"
for f in submit.sh train.sbatch eval.sbatch report.sbatch train.txt eval.txt models.txt run-parallel.sh; do
    [ -s "$jobs/$f" ] || { echo "FAIL: the plan lacks $f"; fail=1; }
done
for want in '--array=0-1' '--requeue' '--signal=B:TERM@' '--cpus-per-task=1' '--output=' '--error='; do
    grep -q -- "^#SBATCH $want" "$jobs/train.sbatch" || { echo "FAIL: train.sbatch lacks #SBATCH $want"; fail=1; }
done
grep -q 'dependency=afterok' "$jobs/submit.sh" || { echo "FAIL: submit.sh has no afterok dependency"; fail=1; }
if ! "$jobs/submit.sh" > "$dir/submit.out" 2> "$dir/submit.err"; then
    echo "FAIL: submit.sh"; cat "$dir/submit.out" "$dir/submit.err"; fail=1; exit 1
fi
train=$(awk '$1 == "train" {print $2}' "$dir/submit.out")
eval=$(awk '$1 == "eval" {print $2}' "$dir/submit.out")
report=$(awk '$1 == "report" {print $2}' "$dir/submit.out")
echo "ok: submitted: training array $train (2 tasks), evaluation array $eval (afterok:$train), report $report"

# ---- requeue task 1 while it trains -------------------------------------------
log1="$jobs/logs/train-${train}_1.err"
started=0
for i in $(seq 600); do
    if grep -q "starting training" "$log1" 2> /dev/null; then started=1; break; fi
    sleep 0.1
done
[ "$started" = 1 ] || { echo "FAIL: task ${train}_1 never started training"; squeue; fail=1; exit 1; }
sleep 2
scontrol requeue "${train}_1" || { echo "FAIL: scontrol requeue ${train}_1"; fail=1; }
echo "ok: scontrol requeue ${train}_1 $(($(date +%s) - T0)) s after start"
held=0
for i in $(seq 600); do
    st=$(squeue -h -j "${train}_1" -o '%T %r' 2> /dev/null)
    if [[ "$st" == PENDING* ]]; then held=1; break; fi
    sleep 0.1
done
[ "$held" = 1 ] || { echo "FAIL: the requeued task is not pending (state '$st')"; fail=1; }
echo "ok: requeued task ${train}_1 is '$st'"
if ! grep -q "stopped by SIGTERM at update" "$log1"; then
    echo "FAIL: the requeued task did not stop at a step boundary:"; tail -n 5 "$log1"; fail=1
else
    echo "ok: $(grep -h "stopped by SIGTERM" "$log1" | head -n 1)"
    grep -h "exit 75" "$log1" > /dev/null || { echo "FAIL: the stopped task did not exit 75"; fail=1; }
fi
scontrol update JobId="${train}_1" StartTime=now || { echo "FAIL: scontrol update StartTime=now"; fail=1; }

# ---- wait for everything --------------------------------------------------------
done_all=0
for i in $(seq 1500); do
    if [ -z "$(squeue -h 2> /dev/null)" ]; then done_all=1; break; fi
    sleep 0.2
done
[ "$done_all" = 1 ] || { echo "FAIL: jobs still queued after 300 s:"; squeue; fail=1; }
echo "ok: all jobs left the queue $(($(date +%s) - T0)) s after start"
wait "$refpid" || { echo "FAIL: the reference run"; cat "$dir/ref.err"; fail=1; }
refpid=

for m in rws20 rws200; do
    if grep -q '"budget": "tiny"' "$jobs/models/$m/trained.json" 2> /dev/null; then
        echo "ok: model $m finished: $(cat "$jobs/models/$m/trained.json")"
    else
        echo "FAIL: model $m did not finish"; fail=1
        tail -n 5 "$jobs/logs/"train-*.err
    fi
done
if grep -q "restart 1 " "$log1" && grep -q "resumed at update" "$log1"; then
    echo "ok: $(grep -h "resumed at update" "$log1" | head -n 1) (restart 1)"
else
    echo "FAIL: task ${train}_1 was not resumed by a second run:"; cat "$log1"; fail=1
fi
log0="$jobs/logs/train-${train}_0.err"
if grep -q "restart 1 " "$log0"; then
    echo "FAIL: task ${train}_0 ran twice: requeueing task 1 requeued the whole array"; fail=1
else
    echo "ok: task ${train}_0 ran once (only the requeued task ran again)"
fi
for f in checkpoint.irvi; do
    if out=$("$tool" same "$jobs/models/rws200/$f" "$ref/jobs/models/rws200/$f" --data-dir "$mnist" 2>&1); then
        echo "ok: requeued rws200 $f equals the uninterrupted run's bit for bit ($out)"
    else
        echo "FAIL: requeued rws200 $f differs from the uninterrupted run's: $out"; fail=1
    fi
done
if cmp -s "$jobs/models/rws200/best.irvi" "$ref/jobs/models/rws200/best.irvi"; then
    echo "ok: requeued rws200 best.irvi equals the uninterrupted run's byte for byte"
else
    echo "FAIL: requeued rws200 best.irvi differs"; fail=1
fi
md="$root/report/README.md"
if [ -s "$md" ]; then
    rows=$(grep -E '^\| rws200? \|' "$md")
    echo "report rows:"; echo "$rows"
    for m in rws20 rws200; do
        grep -qE "^\| $m \| finished" "$md" || { echo "FAIL: the report has no finished row for $m"; fail=1; }
    done
    grep -q "Figure 2" "$md" || { echo "FAIL: the report lacks the fig2 section"; fail=1; }
else
    echo "FAIL: no report ($md)"; ls "$jobs/logs"; cat "$jobs/logs/"report-*.err; fail=1
fi
[ -s "$root/fig2/section.md" ] || { echo "FAIL: the evaluation job wrote no fig2 section"; fail=1; }

echo "cli_jobs_slurm: $(($(date +%s) - T0)) s"
[ "$fail" -eq 0 ] && echo "PASS" || echo "FAILED"
exit "$fail"
