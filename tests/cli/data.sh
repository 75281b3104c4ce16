#!/bin/bash
# tests/cli/data.sh — `irvi data` from the outside: bad files must fail with
# a non-zero exit and exactly one stderr line naming the file; an unknown set
# fails; real MNIST (if present) is described as 50000/10000/10000, 28×28.
# usage: data.sh IRVI_EXE SCRATCH_DIR [MNIST_DIR]   (exit 0 ok, 1 fail, 77 skip)
irvi=$1
scratch=$2
mnist=$3
[ -x "$irvi" ] || { echo "SKIP: no irvi executable '$irvi'"; exit 77; }
[ -n "$scratch" ] || { echo "usage: $0 IRVI SCRATCH [MNIST_DIR]"; exit 1; }
dir="$scratch/cli_data_fixtures"
mkdir -p "$dir" || exit 1
fail=0

# a valid 3-image 2x2 IDX header + body, then broken variants
printf '\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x02' > "$dir/good.idx"
printf '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b' >> "$dir/good.idx"
head -c 20 "$dir/good.idx" > "$dir/truncated.idx"
{ printf 'ABCD'; tail -c +5 "$dir/good.idx"; } > "$dir/wrongmagic.idx"
: > "$dir/empty.idx"

expect_fail() { # file, word expected in the message
    local f=$1 word=$2 out err rc lines
    out=$("$irvi" data check "$f" 2>"$dir/stderr")
    rc=$?
    err=$(cat "$dir/stderr")
    lines=$(wc -l < "$dir/stderr")
    if [ "$rc" -eq 0 ]; then
        echo "FAIL: irvi data check $f succeeded: $out"; fail=1
    elif [ "$lines" -ne 1 ]; then
        echo "FAIL: irvi data check $f: stderr has $lines lines:"; cat "$dir/stderr"; fail=1
    elif [[ "$err" != *"$f"* ]]; then
        echo "FAIL: irvi data check $f: stderr does not name the file: $err"; fail=1
    elif [[ "$err" != *"$word"* ]]; then
        echo "FAIL: irvi data check $f: stderr lacks '$word': $err"; fail=1
    else
        echo "ok (rc $rc): $err"
    fi
}

if out=$("$irvi" data check "$dir/good.idx"); then
    echo "ok: $out"
    [[ "$out" == *"3 × 2×2"* ]] || { echo "FAIL: unexpected shape: $out"; fail=1; }
else
    echo "FAIL: irvi data check on a valid file failed"; fail=1
fi
expect_fail "$dir/truncated.idx" "truncated"
expect_fail "$dir/wrongmagic.idx" "magic"
expect_fail "$dir/empty.idx" "empty"
expect_fail "$dir/does-not-exist.idx" "cannot open"

if "$irvi" data info nosuchset 2>"$dir/stderr"; then
    echo "FAIL: irvi data info nosuchset succeeded"; fail=1
else
    echo "ok: $(cat "$dir/stderr")"
fi
"$irvi" data --help > /dev/null || { echo "FAIL: irvi data --help"; fail=1; }
"$irvi" data info 2>/dev/null
[ $? -eq 2 ] || { echo "FAIL: irvi data info without NAME should exit 2"; fail=1; }

if [ -n "$mnist" ] && [ -f "$mnist/train-images-idx3-ubyte" ]; then
    out=$("$irvi" data info mnist --dir "$mnist")
    rc=$?
    echo "$out"
    [ $rc -eq 0 ] || { echo "FAIL: irvi data info mnist exited $rc"; fail=1; }
    for want in 50000 10000 "28×28"; do
        [[ "$out" == *"$want"* ]] || { echo "FAIL: output lacks '$want'"; fail=1; }
    done
else
    echo "note: no MNIST in '${mnist:-unset}', skipping the real-data part"
fi

# the fixed binarized MNIST (the paper's data), next to the MNIST folder:
# read with its labels and published md5s; one changed pixel is refused
bm=${mnist:+$(dirname "$mnist")/binarized-mnist}
if [ -n "$bm" ] && [ -f "$bm/train-images-idx3-ubyte.gz" ]; then
    out=$("$irvi" data info binarized-mnist --dir "$bm")
    rc=$?
    [ $rc -eq 0 ] || { echo "FAIL: irvi data info binarized-mnist exited $rc"; fail=1; }
    for want in "train 50000  valid 10000  test 10000" "labels      none" "fixed" \
                "train 0.13056  valid 0.13113  test 0.13251" \
                19fd26812fb0f0ed11e913ae686a207b 27ae3e4e09519cfbb04c329615203637; do
        [[ "$out" == *"$want"* ]] || { echo "FAIL: binarized-mnist info lacks '$want'"; fail=1; }
    done
    [ $fail -eq 0 ] && echo "ok: binarized-mnist: 50000/10000/10000, labels, published md5s"
    bad="$dir/bm-bad"
    mkdir -p "$bad"
    cp "$bm"/*.gz "$bad"/ && chmod u+w "$bad"/*.gz
    # turn on the corner pixel of the first test image (byte 16, after the header; 0 in the set)
    gzip -dc "$bm/test-images-idx3-ubyte.gz" > "$bad/t.idx"
    printf '\001' | dd of="$bad/t.idx" bs=1 seek=16 conv=notrunc 2> /dev/null
    gzip -c "$bad/t.idx" > "$bad/test-images-idx3-ubyte.gz" && rm -f "$bad/t.idx"
    if "$irvi" data info binarized-mnist --dir "$bad" > /dev/null 2> "$dir/stderr"; then
        echo "FAIL: a changed binarized-mnist file was accepted"; fail=1
    elif ! grep -q "md5 of the uncompressed file is .*, expected 9f1602d5a50e19dfb708b380a72556be" "$dir/stderr"; then
        echo "FAIL: changed binarized-mnist: message: $(cat "$dir/stderr")"; fail=1
    else
        echo "ok: changed file refused: $(cut -c1-160 "$dir/stderr")"
    fi
    # from another working directory, the shipped model (assets/) opens the
    # data it records from the source tree's data/, as the assets are found
    src_data=$(cd "$(dirname "$0")/../../data" 2> /dev/null && pwd -P)
    if [ -n "$src_data" ] && [ "$(cd "$bm/.." && pwd -P)" = "$src_data" ] &&
        [ -f "$(dirname "$0")/../../assets/models/sbn200-air/model.irvi" ]; then
        if (cd "$dir" && "$irvi" export --digits 3 --steps 1 --out "$dir/elsewhere.png" > "$dir/elsewhere.out" 2>&1) &&
            [ -s "$dir/elsewhere.png" ]; then
            echo "ok: irvi export with no --model from another folder finds the model and its data"
        else
            echo "FAIL: irvi export from $dir: $(cat "$dir/elsewhere.out")"; fail=1
        fi
    fi
else
    echo "note: no fixed binarized MNIST beside '${mnist:-unset}', skipping that part"
fi

rm -rf "$dir"
exit $fail
