#!/bin/bash
# tests/cli/watch.sh — irvi watch on synthetic runs (metrics.jsonl written
# here, no training): an experiment root expands to its model folders with
# disambiguated names; --csv has every row of every run; --png is a 960x960
# chart with each run's colour (read back by png_colors), --highlight pales
# the other runs, --ylog/--zoom draw what the terminal shows; the terminal UI
# (tmux, 120x40) shows both runs in the legend, follows a file that grows
# and one that restarts, prints every value at the cursor, labels the log
# distance-to-best axis, and lists the new keys in the help.
#
# usage: watch.sh IRVI_EXE SCRATCH_DIR PNG_COLORS_EXE   (exit 0 ok, 1 fail, 77 skip)
irvi=$1
scratch=$2
pngc=$3
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
dir="$scratch/cli_watch"
rm -rf "$dir"
mkdir -p "$dir" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# row EPOCH LB: one metrics.jsonl line (as app/run/train_loop.c writes it)
row() {
    awk -v e="$1" -v lb="$2" 'BEGIN { printf "{\"epoch\": %d, \"updates\": %d, \"train_lb\": %.4f, \"valid_lb0\": %.4f, \"valid_lb\": %.4f, \"valid_ll\": null, \"valid_ess\": %.4f, \"best_valid_lb\": %.4f, \"improved\": true, \"lr\": 0.0001, \"train_seconds\": 1, \"valid_seconds\": 1, \"wall\": %.3f, \"phase\": \"main\", \"partial\": false}\n", e, 500 * e, lb - 3, lb - 2, lb, 0.3 + e / 100, lb, 1700000000 + 10 * e }'
}
mkrun() { # mkrun DIR OFFSET EPOCHS
    mkdir -p "$1"
    : > "$1/metrics.jsonl"
    for ((e = 1; e <= $3; e++)); do
        row "$e" "$(awk -v e="$e" -v o="$2" 'BEGIN { print -o - 60 / e }')" >> "$1/metrics.jsonl"
    done
}
root="$dir/exp"
mkrun "$root/a/models/air" 90 10
mkrun "$root/jobs/models/air" 100 10
touch "$root/notes.txt"

# ---- headless: CSV and PNG ---------------------------------------------------
"$irvi" watch "$root" --csv "$dir/w.csv" --png "$dir/w.png" --smooth 0.5 || bad "watch --csv --png exit $?"
head -1 "$dir/w.csv" | grep -q '^run,epoch,updates,seconds,valid_lb,valid_lb0,valid_ll,train_lb,valid_ess$' ||
    bad "csv header: $(head -1 "$dir/w.csv")"
[ "$(grep -c '^a/air,' "$dir/w.csv")" = 10 ] || bad "csv: 10 rows of a/air"
[ "$(grep -c '^jobs/air,' "$dir/w.csv")" = 10 ] || bad "csv: 10 rows of jobs/air"
grep -q '^a/air,3,1500,20,-110,-112,,-113,0.33$' "$dir/w.csv" || bad "csv: row 3 of a/air: $(sed -n 4p "$dir/w.csv")"
# run colours 1 and 2 of the PNG palette (app/live/watch.c)
"$pngc" "$dir/w.png" 960 960 1F77B4 FF7F0E || bad "png read back"
# the terminal's reading in the PNG: highlight run 1 (run 2 turns pale:
# FF7F0E 65% of the way to white), log distance to the best, the last half
"$irvi" watch "$root" --png "$dir/wh.png" --highlight 1 --ylog --zoom 0.5 || bad "watch --highlight --ylog --zoom exit $?"
"$pngc" "$dir/wh.png" 960 960 1F77B4 FFD2AA || bad "png: highlighted run in full colour, the other pale"
"$irvi" watch "$root" --png "$dir/wh.png" --highlight 3 2> "$dir/err.txt" && bad "--highlight 3 of 2 runs must fail"
grep -q "there are 2 runs" "$dir/err.txt" || bad "error counts the runs: $(cat "$dir/err.txt")"
"$irvi" watch "$dir/nothing-here" --csv "$dir/x.csv" 2> "$dir/err.txt" && bad "a missing folder must fail"
grep -q "not a folder" "$dir/err.txt" || bad "error names the folder: $(cat "$dir/err.txt")"

# ---- the terminal UI through tmux -------------------------------------------------
if ! command -v tmux > /dev/null; then
    echo "SKIP (tmux part): tmux is not installed"
    [ $fail = 0 ] && exit 0 || exit 1
fi
sock="irvi-watch-test-$$"
T() { env -u TMUX tmux -u -L "$sock" -f /dev/null "$@"; }
trap 'T kill-server > /dev/null 2>&1; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"' EXIT
screen=
grab() { screen=$(T capture-pane -p -t irvi 2> /dev/null); }
wait_for() {
    local re=$1 secs=${2:-10} i
    for ((i = 0; i < secs * 10; i++)); do
        grab
        grep -Eq -- "$re" <<< "$screen" && return 0
        sleep 0.1
    done
    bad "timed out after ${secs}s waiting for /$re/"
    echo "--- screen ---"; echo "$screen"; echo "--------------"
    return 1
}
T new-session -d -s irvi -x 120 -y 40 \
    "cd '$dir' && LANG=C.UTF-8 LC_ALL=C.UTF-8 '$irvi' watch '$root'; echo irvi-exit \$?; sleep 60"
wait_for 'a/air -96\.00' && wait_for 'jobs/air -106\.0'
# following: rows appended to one run, the other rewritten shorter (a resume)
for e in 11 12; do row $e -90 >> "$root/a/models/air/metrics.jsonl"; done
wait_for 'ep 12  best -90.00'
mkrun "$root/jobs/models/air.new" 100 3
mv "$root/jobs/models/air.new/metrics.jsonl" "$root/jobs/models/air/metrics.jsonl"
wait_for 'jobs/air: metrics.jsonl restarted' && wait_for 'ep 3  best -120.0'
# cursor: the first Left puts it at the newest epoch, then Left and S-Left
# (bigger steps) move it to the start;
# every run's value at it (the nearest row) is in the legend, "-" for a run
# with no row near it (jobs/air restarted and has reached epoch 3)
T send-keys -t irvi Left
wait_for '@12\.00 +━ a/air -90\.00 +━ jobs/air - '
T send-keys -t irvi Left S-Left S-Left S-Left S-Left S-Left S-Left S-Left S-Left S-Left S-Left S-Left
wait_for '@1\.000 +━ a/air -150\.0 +━ jobs/air -160\.0'
# log distance-to-best axis
T send-keys -t irvi Escape l
wait_for 'log y: best − value \+ ε, best -90\.00' && wait_for '^│ +(0\.1|1|10|100)┤'
# hide run 2, highlight, zoom, smoothing
T send-keys -t irvi 2
wait_for 'run 2 jobs/air: hidden'
T send-keys -t irvi z ']'
wait_for 'EMA 0\.50 · last 50%'
# the help lists the new keys (from the key table)
T send-keys -t irvi '?'
wait_for 'log y \(distance to the best value\) / log x' && wait_for 'watch: hide / show run i' &&
    wait_for 'EMA smoothing weight down / up'
T send-keys -t irvi Escape q
wait_for 'irvi-exit 0'
# the command line's reading is where the terminal starts
T kill-session -t irvi 2> /dev/null
T new-session -d -s irvi -x 120 -y 40 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 \"$irvi\" watch \"$root\" --series valid_lb0 --ylog --smooth 0.5 --zoom 0.5; echo irvi-exit \$?; sleep 600" \
    < /dev/null > /dev/null 2>&1 || bad "tmux for watch with flags"
wait_for 'valid_lb0 · log y: best − value \+ ε' && wait_for 'EMA 0\.50' && wait_for 'last 50%'
T send-keys -t irvi q
wait_for 'irvi-exit 0'
[ $fail = 0 ] && echo "ok" && exit 0
exit 1
