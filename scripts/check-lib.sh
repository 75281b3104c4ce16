# scripts/check-lib.sh — shared by scripts/test.sh and scripts/check-*.sh
# (sourced, not run): the pass/fail tally, configuring and building a meson
# directory, running meson tests and counting their results, and collecting
# sanitizer reports written through log_path.
#
# Results are counted from meson's own DIR/meson-logs/testlog.json. A stage
# that cannot run (configure or build failure) counts as one failure. The
# caller ends with `final_line; [ "$FAILED" -eq 0 ]`: the last line of output
# is always "N passed, M failed[, S skipped]".

PASSED=0
FAILED=0
SKIPPED=0
DONE=0
T0=$(date +%s)

say() { printf '== %s\n' "$*"; }

# Stage times: stage_begin NAME ... stage_end prints the wall and CPU time
# (user + system of the waited-for child processes, from /proc) of the
# stage, and final_line prints them all as a table before the result line.
STAGES=()
STAGE_NAME=
cpu_ticks() { # CPU time of this shell's waited-for children, in clock ticks
    local stat
    read -r stat < /proc/$$/stat 2> /dev/null || { echo 0; return; }
    stat=${stat##*) } # after "pid (comm) ": fields 3 on
    set -- $stat
    echo $((${14} + ${15})) # cutime + cstime (fields 16 and 17)
}
TICKS=$(getconf CLK_TCK 2> /dev/null || echo 100)
T0_US=${EPOCHREALTIME/./}
C0=$(cpu_ticks)
stage_begin() {
    [ -n "$STAGE_NAME" ] && stage_end
    STAGE_NAME=$1
    STAGE_T=${EPOCHREALTIME/./}
    STAGE_C=$(cpu_ticks)
}
stage_end() {
    [ -n "$STAGE_NAME" ] || return 0
    local wall cpu line
    wall=$(((${EPOCHREALTIME/./} - STAGE_T) / 1000))
    cpu=$((($(cpu_ticks) - STAGE_C) * 1000 / TICKS))
    line=$(printf '%-28s %7.1fs wall %7.1fs CPU' "$STAGE_NAME" "$((wall))e-3" "$((cpu))e-3")
    STAGES+=("$line")
    say "stage $line"
    STAGE_NAME=
}

final_line() {
    [ "$DONE" = 1 ] && return
    DONE=1
    stage_end
    if [ ${#STAGES[@]} -gt 0 ]; then
        say "stage times (CPU: user + system of all processes; 2 cores give up to 2 s per s)"
        printf '   %s\n' "${STAGES[@]}"
        printf '   %-28s %7.1fs wall %7.1fs CPU\n' "all" "$(((${EPOCHREALTIME/./} - T0_US) / 1000))e-3" \
            "$((($(cpu_ticks) - C0) * 1000 / TICKS))e-3"
    fi
    say "total time $(($(date +%s) - T0))s"
    local line="$PASSED passed, $FAILED failed"
    if [ "$SKIPPED" -gt 0 ]; then
        line="$line, $SKIPPED skipped"
    fi
    printf '%s\n' "$line"
}

on_signal() {
    echo "${0##*/}: interrupted" >&2
    FAILED=$((FAILED + 1))
    final_line
    exit 130
}

LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/irvi-test.XXXXXX")
trap on_signal INT TERM
trap 'rm -rf "$LOGDIR"; final_line' EXIT

# stage_fail WHAT LOG: report a stage that could not run, count one failure.
stage_fail() {
    local what=$1 log=${2:-}
    echo "${0##*/}: $what FAILED" >&2
    if [ -n "$log" ] && [ -f "$log" ]; then
        # ninja marks each failed step with "FAILED:": show from the first
        # one (the actual compiler error), else the end of the log.
        local first
        first=$(grep -n -m 1 '^FAILED:' "$log" | cut -d: -f1)
        if [ -n "$first" ]; then
            echo "---- $what output from the first failed step ----" >&2
            tail -n +"$first" "$log" | head -n 100 >&2
        else
            echo "---- last lines of $what output ----" >&2
            tail -n 80 "$log" >&2
        fi
        echo "----" >&2
    fi
    FAILED=$((FAILED + 1))
    say "$what: failed (counted as 1 failure)"
}

# configure DIR [meson options...]: set up DIR, or reconfigure it if it is a
# meson build directory already; wipe it when reconfiguring does not work.
configure() {
    local dir=$1
    shift
    local log="$LOGDIR/configure-${dir//\//_}.log"
    if [ -f "$dir/meson-private/coredata.dat" ]; then
        if meson setup --reconfigure "$dir" "$@" >"$log" 2>&1; then
            return 0
        fi
        echo "${0##*/}: reconfiguring $dir failed; wiping it" >&2
    fi
    rm -rf "$dir"
    if meson setup "$dir" "$@" >"$log" 2>&1; then
        return 0
    fi
    stage_fail "configure $dir" "$log"
    return 1
}

# build DIR: ninja, output kept in a log and shown only on failure.
build() {
    local dir=$1 log="$LOGDIR/build-${1//\//_}.log"
    local t=$(date +%s)
    if ninja -C "$dir" >"$log" 2>&1; then
        say "build $dir: ok ($(($(date +%s) - t))s)"
        return 0
    fi
    stage_fail "build $dir" "$log"
    return 1
}

# count DIR LABEL MESON_RC [LOGBASE]: add the results of
# DIR/meson-logs/LOGBASE.json (default testlog) to the totals and print a
# one-line summary of the run.
count() {
    local dir=$1 label=$2 mrc=$3 base=${4:-testlog}
    # (meson test --wrap=W names it testlog-W.json)
    local json
    json=$(ls "$dir"/meson-logs/"$base"*.json 2> /dev/null | head -n 1)
    [ -n "$json" ] || json="$dir/meson-logs/$base.json"
    local out
    if ! out=$(python3 - "$json" <<'EOF'
import json, sys
ok = ("OK", "EXPECTEDFAIL")
skip = ("SKIP",)
p = f = s = 0
bad = []
try:
    lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
except OSError:
    lines = []
for line in lines:
    line = line.strip()
    if not line:
        continue
    try:
        r = json.loads(line)
    except ValueError:
        continue
    res = str(r.get("result", "ERROR")).upper()
    if res in ok:
        p += 1
    elif res in skip:
        s += 1
    else:  # FAIL TIMEOUT ERROR UNEXPECTEDPASS INTERRUPT and anything unknown
        f += 1
        bad.append("%s (%s)" % (r.get("name", "?"), res))
print(p, f, s, len(lines) > 0)
for b in bad:
    print(b)
EOF
    ); then
        stage_fail "$label: reading $json"
        return
    fi
    local p f s have
    read -r p f s have <<<"$(head -n 1 <<<"$out")"
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    SKIPPED=$((SKIPPED + s))
    local summary="$label: $p passed, $f failed"
    [ "$s" -gt 0 ] && summary="$summary, $s skipped"
    say "$summary"
    if [ "$f" -gt 0 ]; then
        tail -n +2 <<<"$out" | sed 's/^/   failed: /'
    fi
    # meson test itself failed although no test result says so (e.g. it could
    # not run at all): that is a failure too.
    if [ "$mrc" -ne 0 ] && [ "$f" -eq 0 ]; then
        stage_fail "$label: meson test exited $mrc"
    fi
    if [ "$have" != "True" ] && [ "$mrc" -eq 0 ]; then
        say "$label: no test results in $json"
    fi
}

# run_tests DIR LABEL [meson test args...]
run_tests() {
    local dir=$1 label=$2
    shift 2
    rm -f "$dir"/meson-logs/testlog*.json
    local t=$(date +%s) mrc=0
    say "$label: meson test $*"
    meson test -C "$dir" --print-errorlogs "$@" || mrc=$?
    say "$label: meson test done ($(($(date +%s) - t))s)"
    count "$dir" "$label" "$mrc"
}

# reports_dir NAME: an empty directory for sanitizer log_path files.
reports_dir() {
    local d="$LOGDIR/reports-$1"
    rm -rf "$d"
    mkdir -p "$d"
    printf '%s' "$d"
}

# check_reports DIR LABEL: sanitizer reports that processes wrote through
# log_path=DIR/report (also from processes whose exit status no test looks
# at, such as irvi inside tmux): shown, and one failure when there are any.
check_reports() {
    local dir=$1 label=$2 n
    n=$(find "$dir" -type f -size +0 2>/dev/null | wc -l)
    if [ "$n" -eq 0 ]; then
        say "$label: no sanitizer reports"
        return
    fi
    local f
    for f in $(find "$dir" -type f -size +0 | sort | head -n 10); do
        echo "---- $label: sanitizer report $(basename "$f") ----" >&2
        head -n 60 "$f" >&2
    done
    stage_fail "$label: $n sanitizer report(s)"
}
