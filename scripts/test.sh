#!/usr/bin/env bash
# scripts/test.sh — the one test command of irvi.
#
#   1. scripts/setup.sh (packages, MNIST)          unless IRVI_SKIP_SETUP=1
#   2. build/       default options, every test suite
#   3. build-asan/  ASan+UBSan, debugoptimized, the 'engine' suite
#
# Results are counted from meson's own build*/meson-logs/testlog.json. A stage
# that cannot run (setup, configure or build failure) counts as one failure.
# The last line of output is always "N passed, M failed[, S skipped]", and the
# exit status is 0 iff M == 0. Runs from any directory, needs no TTY or stdin.
set -uo pipefail

cd "$(dirname "$0")/.." || { echo "0 passed, 1 failed"; exit 1; }
ROOT=$(pwd)
exec </dev/null

PASSED=0
FAILED=0
SKIPPED=0
DONE=0
T0=$(date +%s)

say() { printf '== %s\n' "$*"; }

final_line() {
    [ "$DONE" = 1 ] && return
    DONE=1
    say "total time $(($(date +%s) - T0))s"
    local line="$PASSED passed, $FAILED failed"
    if [ "$SKIPPED" -gt 0 ]; then
        line="$line, $SKIPPED skipped"
    fi
    printf '%s\n' "$line"
}

on_signal() {
    echo "test.sh: interrupted" >&2
    FAILED=$((FAILED + 1))
    final_line
    exit 130
}
trap on_signal INT TERM
trap 'final_line' EXIT

# stage_fail WHAT LOG: report a stage that could not run, count one failure.
stage_fail() {
    local what=$1 log=${2:-}
    echo "test.sh: $what FAILED" >&2
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

LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/irvi-test.XXXXXX")
trap 'rm -rf "$LOGDIR"; final_line' EXIT

# ------------------------------------------------------------------ setup
if [ "${IRVI_SKIP_SETUP:-0}" = "1" ]; then
    say "setup skipped (IRVI_SKIP_SETUP=1)"
else
    say "setup"
    if ! bash "$ROOT/scripts/setup.sh"; then
        stage_fail "setup"
    fi
fi

# configure DIR [meson options...]: set up DIR, or reconfigure it if it is a
# meson build directory already; wipe it when reconfiguring does not work.
configure() {
    local dir=$1
    shift
    local log="$LOGDIR/configure-$dir.log"
    if [ -f "$dir/meson-private/coredata.dat" ]; then
        if meson setup --reconfigure "$dir" "$@" >"$log" 2>&1; then
            return 0
        fi
        echo "test.sh: reconfiguring $dir failed; wiping it" >&2
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
    local dir=$1 log="$LOGDIR/build-$1.log"
    local t=$(date +%s)
    if ninja -C "$dir" >"$log" 2>&1; then
        say "build $dir: ok ($(($(date +%s) - t))s)"
        return 0
    fi
    stage_fail "build $dir" "$log"
    return 1
}

# count DIR LABEL MESON_RC: add the results of DIR/meson-logs/testlog.json to
# the totals and print a one-line summary of the run.
count() {
    local dir=$1 label=$2 mrc=$3
    local json="$dir/meson-logs/testlog.json"
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
    rm -f "$dir/meson-logs/testlog.json"
    local t=$(date +%s) mrc=0
    say "$label: meson test $*"
    meson test -C "$dir" --print-errorlogs "$@" || mrc=$?
    say "$label: meson test done ($(($(date +%s) - t))s)"
    count "$dir" "$label" "$mrc"
}

# ------------------------------------------------------------------ default
say "build/ (default options)"
if configure build -Dwerror=true -Dwarning_level=3 -Db_sanitize=none -Db_colorout=auto \
        && build build; then
    run_tests build "build (all suites)"
fi

# ------------------------------------------------------------------ sanitizers
say "build-asan/ (address,undefined)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if configure build-asan -Db_sanitize=address,undefined -Dbuildtype=debugoptimized \
        -Db_lundef=false -Dwerror=true -Dwarning_level=3 -Db_colorout=auto \
        && build build-asan; then
    run_tests build-asan "build-asan (engine suite)" --suite engine
fi

final_line
[ "$FAILED" -eq 0 ]
