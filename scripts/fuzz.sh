#!/usr/bin/env bash
# scripts/fuzz.sh — the long fuzz runs, outside the test command.
#
#   bash scripts/fuzz.sh [HARNESS...]                  the long fixed run
#   bash scripts/fuzz.sh --random SECONDS [HARNESS...]  a random campaign
#
# Both build the libFuzzer harnesses with clang into build-fuzz/ (or
# $FUZZ_OUT) and first replay every input of tests/fuzz/regressions/.
#   fixed   fixed libFuzzer seeds and execution counts per harness (60-90 s
#           each on a 2-core machine, cut at 150 s), from the committed corpus
#           alone: the same inputs every time. scripts/test.sh runs the same
#           seeds with 1-10 % of the executions (tests/fuzz/run.sh --quick);
#           this is the full run, e.g. before a release or after a loader change.
#   random  a random seed (printed; -seed=S reproduces it) for SECONDS per
#           harness on the working corpus build-fuzz/corpus/<name>, kept
#           between runs: the search for new crashes.
# A crash keeps its input in build-fuzz/crashes/ and the exit status is 1
# (77: clang cannot build libFuzzer binaries). Details: tests/fuzz/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
case ${1:-} in
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --random) exec bash tests/fuzz/run.sh "$@" ;;
    *) exec bash tests/fuzz/run.sh --fixed "$@" ;;
esac
