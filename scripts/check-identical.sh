#!/usr/bin/env bash
# scripts/check-identical.sh — are two irvi builds bit-identical in results?
#
#   bash scripts/check-identical.sh OLD_BUILD NEW_BUILD [WORKDIR]
#
# OLD_BUILD and NEW_BUILD are meson build folders (each with app/irvi; the
# new one also tests/ckpt_compare). Both train the same fixed-seed runs (50
# updates of SBN-200 AIR and RWS, VAE, 30 of DARN and of RWS with a sleep
# phase, 20 of GDIR, 50 of a 20-unit RWS SBN) on MNIST, then evaluate each
# model and compute an exact likelihood. The checkpoints must be byte-
# identical apart from wall-clock fields (ckpt_compare same) and every eval
# and exact table identical. Prints one line per check and "N passed, N failed".
set -uo pipefail
[ $# -ge 2 ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
OLD=$(cd "$1" && pwd); NEW=$(cd "$2" && pwd)
cd "$(dirname "$0")/.."
W=${3:-$(mktemp -d "${TMPDIR:-/tmp}/irvi-ident.XXXXXX")}
mkdir -p "$W"
pass=0; fail=0
ok() { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

runs=(
  "t50-air|--layers 200 --algo air --max-updates 50 --valid-n 200"
  "t50-rws|--layers 200 --algo rws --max-updates 50 --valid-n 200"
  "t50-vae|--model vae --max-updates 50 --valid-n 200"
  "t30-darn|--model darn --layers 200 --max-updates 30 --valid-n 100"
  "t30-sleep|--layers 200 --algo rws --sleep 2 --max-updates 30 --valid-n 100"
  "t20-gdir|--model vae --algo gdir --max-updates 20 --valid-n 100"
  "t50-rws20|--layers 20 --algo rws --max-updates 50 --valid-n 100"
)
for side in old new; do
  B=$OLD; [ $side = new ] && B=$NEW
  for r in "${runs[@]}"; do
    name=${r%%|*}; args=${r#*|}
    rm -rf "$W/$side/$name"; mkdir -p "$W/$side"
    # shellcheck disable=SC2086
    "$B/app/irvi" train --headless --data mnist $args --threads 2 --out "$W/$side/$name" \
      > "$W/$side/$name.log" 2>&1 || bad "$side $name: train exited $?"
    [ "$name" = t50-rws20 ] && continue
    "$B/app/irvi" eval --model "$W/$side/$name/best.irvi" --split test --n 300 -N 500 \
      --refine 10,10,0.1 --threads 2 2>/dev/null | grep -v '^model' > "$W/$side/eval-$name.txt"
  done
  "$B/app/irvi" exact --model "$W/$side/t50-rws20/best.irvi" --n 200 -N 200 \
    --refine 20,10,0.01 --threads 2 2>/dev/null | grep -v '^model' > "$W/$side/exact.txt"
done
for r in "${runs[@]}"; do
  name=${r%%|*}
  for f in checkpoint.irvi best.irvi; do
    if "$NEW/tests/ckpt_compare" same "$W/old/$name/$f" "$W/new/$name/$f" > /dev/null 2>&1; then
      ok "$name/$f byte-identical (but wall-clock fields)"
    else
      bad "$name/$f differs"
    fi
  done
  [ "$name" = t50-rws20 ] && continue
  if cmp -s "$W/old/eval-$name.txt" "$W/new/eval-$name.txt" && [ -s "$W/new/eval-$name.txt" ]; then
    ok "eval of $name identical"
  else
    bad "eval of $name differs"; diff "$W/old/eval-$name.txt" "$W/new/eval-$name.txt" | head -5
  fi
done
if cmp -s "$W/old/exact.txt" "$W/new/exact.txt" && [ -s "$W/new/exact.txt" ]; then
  ok "exact of t50-rws20 identical"
else
  bad "exact differs"; diff "$W/old/exact.txt" "$W/new/exact.txt" | head -5
fi
echo "outputs in $W"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
