#!/bin/bash
# tests/cli/tui.sh — the live terminal UI of `irvi train`, driven through a
# private tmux server at 120x40: the status panel appears, space pauses, n
# steps exactly one minibatch, g lowers γ, ? shows the help and Escape hides
# it, a 30x8 window shows the "terminal too small" notice and the panels come
# back at 120x40, q quits: the process exits 0 and leaves OUT/checkpoint.irvi.
#
# usage: tui.sh IRVI_EXE SCRATCH_DIR MNIST_DIR   (exit 0 ok, 1 fail, 77 skip)
#
# What it reads off the screen (tmux capture-pane, UTF-8 locale):
#   status panel    "updates <n>", "state <paused|running|finished>",
#                   "γ <value>" (ASCII locale: "gamma <value>")
#   help overlay    "pause / resume training"
#   small terminal  "terminal too small"
#   after exit      the wrapper prints "irvi-exit <code>"
irvi=$1
scratch=$2
mnist=$3
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
[ -n "$scratch" ] || { echo "usage: $0 IRVI SCRATCH MNIST_DIR"; exit 1; }
command -v tmux > /dev/null || { echo "SKIP: tmux is not installed"; exit 77; }
if [ -z "$mnist" ] || ! ls "$mnist"/train-images*idx3* > /dev/null 2>&1; then
    echo "SKIP: MNIST not found in '$mnist'"
    exit 77
fi

dir="$scratch/cli_tui"
out="$dir/run"
rm -rf "$dir"
mkdir -p "$dir" || exit 1
sock="irvi-tui-test-$$"
T() { env -u TMUX tmux -u -L "$sock" -f /dev/null "$@"; }
trap 'T kill-server > /dev/null 2>&1; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"' EXIT
fail=0
screen=

grab() { screen=$(T capture-pane -p -t irvi 2> /dev/null); }
dump() {
    echo "--- screen ---"
    grab
    echo "$screen"
    echo "--------------"
}
# wait_for REGEX [SECONDS]: poll the screen until an extended regex matches
wait_for() {
    local re=$1 secs=${2:-20} i
    for ((i = 0; i < secs * 10; i++)); do
        grab
        grep -Eq -- "$re" <<< "$screen" && return 0
        sleep 0.1
    done
    echo "FAIL: timed out after ${secs}s waiting for /$re/"
    dump
    return 1
}
# wait_gone REGEX [SECONDS]
wait_gone() {
    local re=$1 secs=${2:-10} i
    for ((i = 0; i < secs * 10; i++)); do
        grab
        grep -Eq -- "$re" <<< "$screen" || return 0
        sleep 0.1
    done
    echo "FAIL: /$re/ still on screen after ${secs}s"
    dump
    return 1
}
field() { # the number after a status label, e.g. field 'updates'
    grab
    grep -oE -- "$1 +-?[0-9][0-9.e+-]*" <<< "$screen" | head -n 1 | awk '{print $NF}'
}
die() {
    echo "FAIL: $*"
    dump
    exit 1
}

cmd="\"$irvi\" train --layers 20 --epochs 2 --valid-n 200 --valid-N 10 --out \"$out\" --data-dir \"$mnist\""
T new-session -d -s irvi -x 120 -y 40 \
    "env -u DISPLAY -u WAYLAND_DISPLAY LANG=C.UTF-8 LC_ALL=C.UTF-8 bash -c '$cmd; echo irvi-exit \$?; sleep 600'" \
    < /dev/null > /dev/null 2>&1 || die "cannot start tmux"

# 1. the status panel shows up with a live update count
wait_for 'updates +[0-9]+' 60 || exit 1
for w in 'lower bound' 'ESS' 'status' 'log' 'state +'; do
    grep -Eq -- "$w" <<< "$screen" || { echo "FAIL: no '$w' on the screen"; fail=1; }
done
grep -Eq 'state +finished' <<< "$screen" && die "training finished before the test could pause it"
echo "ok: status panel (updates $(field updates))"

# 2. space pauses
T send-keys -t irvi Space
wait_for 'state +paused' 10 || exit 1
echo "ok: paused"

# 3. while paused the count stands still; n steps exactly one minibatch
sleep 0.5
u1=$(field updates)
sleep 0.7
u2=$(field updates)
[ -n "$u1" ] && [ "$u1" = "$u2" ] || die "updates moved while paused ($u1 -> $u2)"
T send-keys -t irvi n
u3=$u1
for ((i = 0; i < 100; i++)); do
    u3=$(field updates)
    [ "$u3" != "$u1" ] && break
    sleep 0.1
done
sleep 0.5
u3=$(field updates)
if [ "$u3" = $((u1 + 1)) ]; then
    echo "ok: n stepped one minibatch ($u1 -> $u3)"
else
    echo "FAIL: n: updates $u1 -> $u3, expected $((u1 + 1))"
    dump
    fail=1
fi

# 4. g lowers γ (÷ 1.25)
g1=$(field '(γ|gamma)')
[ -n "$g1" ] || die "no γ on the status panel"
T send-keys -t irvi g
g2=$g1
for ((i = 0; i < 100; i++)); do
    g2=$(field '(γ|gamma)')
    [ "$g2" != "$g1" ] && break
    sleep 0.1
done
if awk -v a="$g1" -v b="$g2" 'BEGIN { r = b * 1.25 / a; exit !(r > 0.99 && r < 1.01) }'; then
    echo "ok: g changed γ $g1 -> $g2"
else
    echo "FAIL: g: γ $g1 -> $g2, expected $g1 / 1.25"
    dump
    fail=1
fi

# 5. ? shows the help overlay, Escape hides it
T send-keys -t irvi '?'
wait_for 'pause / resume training' 5 && echo "ok: help overlay" || fail=1
T send-keys -t irvi Escape
wait_gone 'pause / resume training' 5 && echo "ok: help closed" || fail=1

# 6. too small, then back
T resize-window -t irvi -x 30 -y 8
wait_for 'terminal too small' 5 && echo "ok: too-small notice at 30x8" || fail=1
T resize-window -t irvi -x 120 -y 40
if wait_for 'updates +[0-9]+' 5 && wait_gone 'terminal too small' 5; then
    grep -Eq 'lower bound' <<< "$screen" && grep -Eq 'state +paused' <<< "$screen" ||
        { echo "FAIL: panels incomplete after the resize"; dump; fail=1; }
    echo "ok: panels back at 120x40"
else
    fail=1
fi

# 7. q quits: the engine saves a checkpoint and the process exits 0
T send-keys -t irvi q
wait_for 'irvi-exit [0-9]+' 120 || exit 1
rc=$(grep -oE 'irvi-exit [0-9]+' <<< "$screen" | awk '{print $2}')
[ "$rc" = 0 ] && echo "ok: exit code 0" || { echo "FAIL: irvi exited with $rc"; dump; fail=1; }
grep -Eq 'state +|terminal too small' <<< "$screen" &&
    { echo "FAIL: the terminal was not restored"; dump; fail=1; }
[ -s "$out/checkpoint.irvi" ] && echo "ok: $out/checkpoint.irvi written" ||
    { echo "FAIL: no $out/checkpoint.irvi"; fail=1; }

# 8. the refinement lab on that checkpoint: r steps, the curves get one line
#    per digit under a single legend entry, f highlights one digit, then none
T kill-session -t irvi 2>/dev/null
cmd="\"$irvi\" refine --model \"$out/checkpoint.irvi\" --digits 3,17 --K 5 --data-dir \"$mnist\""
T new-session -d -s irvi -x 120 -y 40 \
    "env -u DISPLAY -u WAYLAND_DISPLAY LANG=C.UTF-8 LC_ALL=C.UTF-8 bash -c '$cmd; echo irvi-exit \$?; sleep 600'" \
    < /dev/null > /dev/null 2>&1 || die "cannot start tmux for the lab"
wait_for 'refinement lab' 30 || exit 1
# before any key: the q0 bound of the chosen digits is in the status panel
wait_for 'mean LB +-[0-9]' 20 && echo "ok: lab shows the step-0 bound before any key" || fail=1
T send-keys -t irvi r
T send-keys -t irvi r
wait_for 'refined +2 steps' 20 || exit 1
grep -Eq 'each digit' <<< "$screen" && grep -Eq 'mean -[0-9]' <<< "$screen" &&
    echo "ok: lab curves: each digit + mean" || { echo "FAIL: lab legend"; dump; fail=1; }
# a 20-unit model is enumerated: the exact ELBO and log p(x) beside the
# estimate, the exact KL in the status panel and, on p, in the lower panel
grep -Eq 'exact ELBO -[0-9]' <<< "$screen" && grep -Eq 'exact log p\(x\) -[0-9]' <<< "$screen" &&
    grep -Eq 'log p\(x\) +-[0-9.]+ exact' <<< "$screen" && grep -Eq 'exact KL +[0-9.]+ \(p: plot\)' <<< "$screen" &&
    echo "ok: lab shows the exact ELBO, log p(x) and KL" || { echo "FAIL: exact curves"; dump; fail=1; }
T send-keys -t irvi p
wait_for 'exact KL\(q_k \|\| p\(h\|x\)\) of the chosen digits' 5 && wait_for '━ exact KL [0-9]' 5 &&
    echo "ok: p shows the exact KL panel" || fail=1
T send-keys -t irvi p
wait_for 'normalized ESS of the chosen digits' 5 && echo "ok: p back to the ESS panel" || fail=1
T send-keys -t irvi f
wait_for 'digit 3 \(1 of 2\) highlighted' 5 && wait_for '━ digit 3 -[0-9]' 5 &&
    echo "ok: f highlights digit 3" || fail=1
T send-keys -t irvi f
wait_for '━ digit 17 -[0-9]' 5 && echo "ok: f moves to digit 17" || fail=1
T send-keys -t irvi f
wait_gone '━ digit 1?[37] ' 5 && echo "ok: f back to no highlight" || fail=1
T send-keys -t irvi q
wait_for 'irvi-exit 0' 30 && echo "ok: lab quit" || { echo "FAIL: lab exit"; dump; fail=1; }

exit $fail
