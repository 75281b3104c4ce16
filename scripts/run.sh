#!/usr/bin/env bash
# The main job: set up (idempotent), build, and run irvi. With no arguments
# this is the default live session: AIR training of a 200-unit SBN on
# binarized MNIST with the terminal UI and the SDL reconstruction window.
# Any arguments are passed to irvi (e.g. `bash scripts/run.sh train --headless`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${IRVI_SKIP_SETUP:-0}" != 1 ]; then
    bash scripts/setup.sh
fi
if [ -f build/build.ninja ]; then
    meson setup --reconfigure build >/dev/null
else
    meson setup build >/dev/null
fi
ninja -C build >/dev/null
exec build/app/irvi "$@"
