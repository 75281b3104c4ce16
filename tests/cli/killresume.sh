#!/bin/bash
# tests/cli/killresume.sh — crash safety of `irvi train`: SIGKILL at random
# moments (some of them in the middle of a checkpoint write), --resume each
# time, and the end result must equal an uninterrupted run bit for bit.
#
#   1. reference: headless training of SBN-10 on MNIST, fixed seed, 1 thread,
#      --max-updates 650 (epoch 1 = 500 batches with its validation, then 150
#      batches of epoch 2, cut short and validated), uninterrupted.
#   2. the same run with --ckpt-every 0.05 (a checkpoint every 50 ms), killed
#      with SIGKILL again and again (12 times; 6 with IRVI_KILLRESUME_QUICK=1,
#      which also makes the updates cheaper, for sanitized builds;
#      IRVI_KILLRESUME_KILLS=N sets the count, never below MIN_KILLS = 5:
#      scripts/test.sh uses 8 and 5): during start-up, at random
#      delays after training started, at the moment its temporary checkpoint
#      file (checkpoint.irvi.tmp.<pid>) appears (mid-write), and once right
#      after the validation at the end of epoch 1 (epoch-end). Each time it is restarted
#      with --resume, until a run finishes. After every kill:
#        - checkpoint.irvi (and best.irvi once there) verify and load
#          (ckpt_compare info: magic, length, CRC, model load);
#        - the checkpoint's update count never goes back, and is at least the
#          last update the killed process reported minus one checkpoint
#          interval's worth of updates (from the reference run's speed);
#        - the newest checkpoint is at most one interval + a few steps + a
#          validation old (when the process trained that long);
#   3. the final checkpoint.irvi and best.irvi equal the reference ones
#      section by section, and through irvi_trainer_resume (ckpt_compare
#      same); metrics.jsonl has exactly the reference's rows (a row written
#      just before a kill, before its checkpoint, is dropped on resume and
#      written again); no checkpoint.irvi.tmp.<pid> of a killed writer is left
#      (the next checkpoint write removes them).
#   4. SIGTERM during the validation of the cut-short last epoch, then
#      --resume: that epoch is validated (metrics row, best.irvi), not skipped.
#   5. the kill window between an epoch's metrics row and its checkpoint, set
#      up exactly: a checkpoint at update 0 (--epochs 0) plus the row of the
#      epoch to come (or a torn half of it) in metrics.jsonl; --resume must end
#      with the reference's single row, not two.
#
# usage: killresume.sh IRVI_EXE SCRATCH_DIR MNIST_DIR CKPT_COMPARE_EXE
#   (exit 0 ok, 1 fail, 77 skip). Takes ~30-60 s on 2 cores.
irvi=$1
scratch=$2
mnist=$3
tool=$4
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
[ -x "$tool" ] || { echo "SKIP: no ckpt_compare executable '$tool'"; exit 77; }
[ -n "$scratch" ] || { echo "usage: $0 IRVI SCRATCH MNIST_DIR CKPT_COMPARE"; exit 1; }
if [ -z "$mnist" ] || ! ls "$mnist"/train-images*idx3* > /dev/null 2>&1; then
    echo "SKIP: MNIST not found in '$mnist'"
    exit 77
fi
# a directory of its own: several meson runs may share the build tree
dir="$scratch/cli_killresume.$$"
rm -rf "$dir"
mkdir -p "$dir" || exit 1
fail=0
T0=$(date +%s)

MAX_UPDATES=650
BATCHES=500          # 50000 training images / batch 100
INTERVAL=0.05        # --ckpt-every, seconds
MAX_KILLS=12
small=(--K 5 --M 5)
if [ "${IRVI_KILLRESUME_QUICK:-0}" = 1 ]; then
    # for slow (sanitized) builds: half the kills, cheaper updates
    MAX_KILLS=6
    small=(--K 2 --M 2 --N 5)
fi
MIN_KILLS=5
if [ -n "${IRVI_KILLRESUME_KILLS:-}" ]; then
    MAX_KILLS=$IRVI_KILLRESUME_KILLS
    [ "$MAX_KILLS" -ge $MIN_KILLS ] 2> /dev/null || MAX_KILLS=$MIN_KILLS
fi
common=(--headless --data mnist --data-dir "$mnist" --layers 10 --epochs 2
        --max-updates $MAX_UPDATES --valid-n 100 --valid-N 5 --batch 100 "${small[@]}"
        --threads 1 --seed 11)
seed=$((($$ + 10#$(date +%N)) % 32768))
RANDOM=$seed
echo "random seed of the kill schedule: $seed"

# ---- 1. the reference ---------------------------------------------------------
ref="$dir/ref"
if ! "$irvi" train "${common[@]}" --out "$ref" > "$dir/ref.out" 2> "$dir/ref.err"; then
    echo "FAIL: reference run"; cat "$dir/ref.out" "$dir/ref.err"; exit 1
fi
echo "ok: reference run ($(tail -n 1 "$dir/ref.out"))"
# updates per second of the reference (training time only), for the allowance
rate=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("%.1f" % (rows[-1]["updates"] / max(1e-3, sum(r["train_seconds"] for r in rows))))' \
    "$ref/metrics.jsonl" 2> /dev/null)
[ -n "$rate" ] || rate=200
# one interval's worth of updates at twice the reference speed, plus the step in progress
allow=$(awk -v r="$rate" -v i="$INTERVAL" 'BEGIN { a = 2 * r * i; printf "%d", (a == int(a) ? a : int(a) + 1) + 1 }')
# and in time: the interval, two steps at half the reference speed, the longest
# validation of the reference, and 1 s for a loaded machine (slow fsync, a
# descheduled process); without --ckpt-every it would be minutes
max_age_ms=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(int(1000 * (float(sys.argv[2]) + 4 / float(sys.argv[3]) + max(r["valid_seconds"] for r in rows) + 1.0)))' \
    "$ref/metrics.jsonl" $INTERVAL "$rate" 2> /dev/null)
[ -n "$max_age_ms" ] || max_age_ms=1000
# the random kill delays scale with that speed: on a fast machine a fixed 0..2 s
# would let the run finish before enough kills (about half a run's share per kill)
span_ms=$(awk -v r="$rate" -v u=$MAX_UPDATES -v k=$MAX_KILLS 'BEGIN {
    s = int(1000 * u / (r * k)); if (s < 200) s = 200; if (s > 2000) s = 2000; print s }')
echo "reference speed ${rate} updates/s: a kill may lose at most $allow updates, and the newest checkpoint may be at most $max_age_ms ms old; kill delays 0..$span_ms ms"

# the update count a progress line stands for ("epoch E/2  batch B/500")
last_reported() {
    grep -oE 'epoch [0-9]+/[0-9]+  batch [0-9]+/[0-9]+' "$1" 2> /dev/null | tail -n 1 |
        awk -v nb=$BATCHES '{ split($2, e, "/"); split($4, b, "/"); print (e[1] - 1) * nb + b[1] }'
}

# ---- 2. killed and resumed ----------------------------------------------------
out="$dir/killed"
kills=0
midwrite=0
round=0
prev_upd=0
finished=0
epoch_end_done=0
while [ $round -lt 40 ]; do
    round=$((round + 1))
    resume=()
    [ -e "$out/checkpoint.irvi" ] && resume=(--resume)
    log="$dir/round$round"
    "$irvi" train "${common[@]}" --ckpt-every $INTERVAL --out "$out" "${resume[@]}" \
        > "$log.out" 2> "$log.err" &
    pid=$!
    if [ $kills -ge $MAX_KILLS ]; then
        wait $pid
        rc=$?
        [ $rc -eq 0 ] && { finished=1; echo "ok: round $round: ran to the end"; break; }
        echo "FAIL: round $round: exit $rc"; cat "$log.err"; fail=1
        break
    fi
    # kill points: one round in five during start-up (data loading, resume);
    # otherwise after training has started (the "irvi train:" line): odd
    # rounds after a random 0..span, even rounds at the first checkpoint write
    # seen after a random 0.05 s..span (mid-write); once, from update 400 or the
    # 9th kill on, right after the validation of epoch 1 (epoch-end)
    how=start-up
    t_train=
    if [ $((round % 5)) -eq 3 ]; then
        sleep 0.$((RANDOM % 6))
    else
        for ((w = 0; w < 600; w++)); do
            grep -q '^irvi train:' "$log.out" 2> /dev/null && break
            kill -0 $pid 2> /dev/null || break
            sleep 0.05
        done
        t_train=${EPOCHREALTIME/./}
        if [ $epoch_end_done -eq 0 ] && [ $prev_upd -lt $BATCHES ] &&
            { [ $prev_upd -ge 400 ] || [ $kills -ge $((MAX_KILLS - 4)) ]; }; then
            # once: right after the epoch-1 line (validation done; the metrics
            # row, best.irvi and the checkpoint are being written)
            how=epoch-end
            epoch_end_done=1
            end=$((${EPOCHREALTIME/./} + 20000000))
            while [[ "$(< "$log.out")" != *"epoch 1/2 "* ]] && [ "${EPOCHREALTIME/./}" -lt $end ] &&
                kill -0 $pid 2> /dev/null; do
                :
            done
        elif [ $((round % 2)) -eq 0 ]; then
            how=mid-write
            tmp="$out/checkpoint.irvi.tmp.$pid"
            ms=$((50 + RANDOM % span_ms))
            sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
            end=$((${EPOCHREALTIME/./} + 3000000))
            while [ ! -e "$tmp" ] && [ "${EPOCHREALTIME/./}" -lt $end ] && kill -0 $pid 2> /dev/null; do
                :
            done
        else
            how=random
            ms=$((RANDOM % span_ms))
            sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
        fi
    fi
    kill -KILL $pid 2> /dev/null
    t_kill=${EPOCHREALTIME/./}
    wait $pid 2> /dev/null # (no "Killed" job notice)
    rc=$?
    if [ $rc -eq 0 ]; then
        finished=1
        echo "ok: round $round: finished before the $how kill"
        break
    fi
    if [ $rc -ne 137 ]; then
        echo "FAIL: round $round: exit $rc before the kill"; cat "$log.err"; fail=1
        break
    fi
    kills=$((kills + 1))
    leftover=$(ls "$out" 2> /dev/null | grep -c "\.tmp\.$pid\$")
    note=""
    if [ "$leftover" -gt 0 ]; then
        midwrite=$((midwrite + 1))
        note=" (mid-write: its temporary file was left behind)"
    fi
    reported=$(last_reported "$log.err")
    [ -n "$reported" ] || reported=0
    if [ ! -e "$out/checkpoint.irvi" ]; then
        # killed before the first checkpoint of the first run
        echo "ok: kill $kills ($how, round $round): no checkpoint yet, last reported update $reported$note"
        [ "$reported" -le "$allow" ] ||
            { echo "FAIL: reported update $reported but no checkpoint"; fail=1; }
        continue
    fi
    if ! info=$("$tool" info "$out/checkpoint.irvi"); then
        echo "FAIL: kill $kills: checkpoint.irvi does not load: $info"; fail=1
        break
    fi
    if [ -e "$out/best.irvi" ] && ! binfo=$("$tool" info "$out/best.irvi"); then
        echo "FAIL: kill $kills: best.irvi does not load: $binfo"; fail=1
    fi
    upd=$(awk '{ print $2 }' <<< "$info")
    # age of the checkpoint at the kill, if this process had trained long
    # enough to have written one (interval + a few steps + a validation)
    age_ms=$(( (t_kill - $(stat -c %.6Y "$out/checkpoint.irvi" | tr -d .)) / 1000 ))
    trained_ms=$(( t_train ? (t_kill - t_train) / 1000 : 0 ))
    echo "ok: kill $kills ($how, round $round, ${trained_ms} ms after training started): checkpoint loads at update $upd, written ${age_ms} ms before the kill, last reported update $reported$note"
    if [ $trained_ms -gt $max_age_ms ] && [ $age_ms -gt $max_age_ms ]; then
        echo "FAIL: kill $kills: the newest checkpoint is ${age_ms} ms old (more than $max_age_ms ms)"; fail=1
    fi
    if [ "$upd" -lt "$prev_upd" ]; then
        echo "FAIL: the checkpoint went back from update $prev_upd to $upd"; fail=1
    fi
    if [ "$upd" -lt $((reported - allow)) ]; then
        echo "FAIL: kill $kills lost $((reported - upd)) updates (more than one interval, $allow)"; fail=1
    fi
    prev_upd=$upd
done

[ $finished -eq 1 ] || { echo "FAIL: the killed run never finished"; fail=1; }
[ $kills -ge $MIN_KILLS ] || { echo "FAIL: only $kills kills (want >= $MIN_KILLS)"; fail=1; }
echo "kills survived: $kills, of which mid-write: $midwrite; rounds: $round"
[ $midwrite -ge 1 ] || echo "note: no kill landed mid-write this time"

# ---- 3. the same result ---------------------------------------------------------
if [ $finished -eq 1 ]; then
    if "$tool" same "$ref/checkpoint.irvi" "$out/checkpoint.irvi" --data-dir "$mnist" > "$dir/same.txt"; then
        echo "ok: checkpoint.irvi identical to the reference: $(head -n 1 "$dir/same.txt")"
    else
        echo "FAIL: checkpoint.irvi differs from the reference:"; cat "$dir/same.txt"; fail=1
    fi
    if "$tool" same "$ref/best.irvi" "$out/best.irvi" > "$dir/same-best.txt"; then
        echo "ok: best.irvi identical to the reference"
    else
        echo "FAIL: best.irvi differs from the reference:"; cat "$dir/same-best.txt"; fail=1
    fi
    python3 - "$ref/metrics.jsonl" "$out/metrics.jsonl" <<'EOF' || fail=1
import json, sys
keys = ["epoch", "updates", "train_lb", "valid_lb0", "valid_lb", "valid_ll", "valid_ess",
        "best_valid_lb", "improved", "lr", "phase", "partial"]
def rows(p):
    return [tuple(json.loads(l).get(k) for k in keys) for l in open(p)]
ref, got = rows(sys.argv[1]), rows(sys.argv[2])
if got != ref:
    sys.exit("FAIL: metrics.jsonl rows differ from the reference:\n%s\nvs\n%s" % (got, ref))
print("ok: metrics.jsonl has exactly the reference's %d rows" % len(ref))
EOF
    trimmed=$(cat "$dir"/round*.out | grep -c 'metrics.jsonl: dropped')
    echo "resumes that dropped a metrics row written after the last checkpoint: $trimmed"
    stale=$(ls "$out" | grep -c '^checkpoint\.irvi\.tmp\.')
    if [ "$stale" -eq 0 ]; then
        echo "ok: no checkpoint.irvi.tmp.<pid> left ($midwrite killed mid-write)"
    else
        echo "FAIL: $stale checkpoint temporary files of killed writers left: $(ls "$out" | grep '\.tmp\.' | tr '\n' ' ')"
        fail=1
    fi
fi
# ---- 4. stopped during the final validation, then resumed ----------------------
# SIGTERM while the cut-short last epoch is being validated: the checkpoint
# holds the position after the last step (mid-epoch); --resume with the same
# --max-updates must validate that epoch (metrics row, best.irvi), as the
# uninterrupted run does, not just stop.
stop="$dir/stopped"
exercised=0
for wait_s in 2 4; do
    rm -rf "$stop"
    "$irvi" train "${common[@]}" --max-updates 30 --valid-n 0 --valid-N 100 --out "$stop" \
        > "$dir/stop1.out" 2> "$dir/stop1.err" &
    pid=$!
    for ((w = 0; w < 600; w++)); do
        grep -q 'batch 1/' "$dir/stop1.err" 2> /dev/null && break
        sleep 0.05
    done
    sleep $wait_s
    kill -TERM $pid
    wait $pid
    rc=$?
    info=$("$tool" info "$stop/checkpoint.irvi" 2>&1)
    if [ $rc -eq 143 ] && [ "$info" = "updates 30 epoch 0 batch 30" ] && [ ! -e "$stop/best.irvi" ]; then
        exercised=1
        break
    fi
done
if [ $exercised -eq 1 ]; then
    "$irvi" train "${common[@]}" --max-updates 30 --out "$stop" --resume > "$dir/stop2.out" 2> "$dir/stop2.err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^epoch 1/2 (cut short)  updates 30 ' "$dir/stop2.out" &&
        [ -s "$stop/best.irvi" ] && [ "$(wc -l < "$stop/metrics.jsonl")" -eq 1 ]; then
        echo "ok: SIGTERM during the final validation, then --resume: the cut-short epoch is validated"
    else
        echo "FAIL: resumed after a stop during the final validation: exit $rc"
        cat "$dir/stop2.out" "$dir/stop2.err"; fail=1
    fi
else
    echo "note: could not stop a run during its final validation (last: exit $rc, $info); not checked"
fi

# ---- 5. a kill between the metrics row and the checkpoint, set up exactly -----
# The reference: 30 updates, the cut-short epoch validated, one row. The
# window: a checkpoint from before the epoch (update 0: --epochs 0 stops at
# once) with the epoch's row already appended (whole, or torn mid-line).
short=(--epochs 2 --max-updates 30)
if "$irvi" train "${common[@]}" "${short[@]}" --out "$dir/w-ref" > "$dir/w-ref.out" 2>&1; then
    for how in whole torn; do
        w="$dir/w-$how"
        if ! "$irvi" train "${common[@]}" --epochs 0 --out "$w" > "$w.out0" 2>&1 ||
            [ "$("$tool" info "$w/checkpoint.irvi")" != "updates 0 epoch 0 batch 0" ]; then
            echo "FAIL: window ($how): could not write a checkpoint at update 0"; cat "$w.out0"; fail=1
            continue
        fi
        if [ $how = whole ]; then
            cat "$dir/w-ref/metrics.jsonl" >> "$w/metrics.jsonl"
        else
            head -c 60 "$dir/w-ref/metrics.jsonl" >> "$w/metrics.jsonl"
        fi
        "$irvi" train "${common[@]}" "${short[@]}" --out "$w" --resume > "$w.out" 2>&1
        rc=$?
        if [ $rc -eq 0 ] && [ "$(wc -l < "$w/metrics.jsonl")" -eq 1 ] &&
            python3 - "$dir/w-ref/metrics.jsonl" "$w/metrics.jsonl" <<'EOF' &&
import json, sys
a, b = ([{k: v for k, v in json.loads(l).items() if "seconds" not in k and k != "wall"}
         for l in open(p)] for p in sys.argv[1:])
sys.exit(a != b)
EOF
            "$tool" same "$dir/w-ref/checkpoint.irvi" "$w/checkpoint.irvi" > /dev/null; then
            echo "ok: window ($how row before the checkpoint): --resume leaves the reference's one row ($(grep -o 'dropped [0-9]* row' "$w.out"))"
        else
            echo "FAIL: window ($how row before the checkpoint): exit $rc, metrics.jsonl:"
            cat "$w/metrics.jsonl" "$w.out"; fail=1
        fi
    done
else
    echo "FAIL: the 30-update reference run"; cat "$dir/w-ref.out"; fail=1
fi

echo "time: $(($(date +%s) - T0)) s"
if [ $fail -eq 0 ]; then
    echo "all cli_killresume checks passed"
    rm -rf "$dir"
else
    echo "files kept in $dir"
fi
exit $fail
