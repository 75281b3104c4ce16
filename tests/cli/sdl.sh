#!/bin/bash
# tests/cli/sdl.sh — the SDL Figure 2 window (tests/test_sdlview.c), run as a
# user would meet it: once with no display at all (sdlview_open must decline
# with a note, the terminal UI carries on), then under a virtual X server
# (xvfb-run) where the window is drawn, read back and compared pixel by pixel.
# The Xvfb screen is 24-bit: xvfb-run's default 8-bit screen would map colours.
# usage: sdl.sh TEST_SDLVIEW      (exit 0 ok, 1 fail, 77 skip)
exe=$1
[ -x "$exe" ] || { echo "SKIP: no test executable '$exe'"; exit 77; }
fail=0

echo "== no display (DISPLAY and WAYLAND_DISPLAY unset)"
env -u DISPLAY -u WAYLAND_DISPLAY "$exe" || fail=1

if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "SKIP: xvfb-run not found (Debian package xvfb): window checks not run"
    [ "$fail" -eq 0 ] && exit 77
    exit 1
fi
echo "== under Xvfb"
xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$exe" || fail=1
exit "$fail"
