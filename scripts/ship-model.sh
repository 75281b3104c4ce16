#!/usr/bin/env bash
# scripts/ship-model.sh — put a trained run into assets/models/NAME as a
# reference model, with its card.
#
#   bash scripts/ship-model.sh RUN_DIR NAME "TRAIN COMMAND" [PROTOCOL_JSON]
#
# RUN_DIR holds what `irvi train` wrote (checkpoint.irvi, metrics.jsonl).
# assets/models/NAME/ gets:
#   model.irvi     the trainer checkpoint: `irvi eval/refine/export --model`
#                  load its best-validation parameters; `irvi train --resume`
#                  continues it (copy the folder first: resume writes in place)
#   metrics.jsonl  one line per epoch, as training wrote it
#   card.json      what it is: command, data and md5s, epochs, updates, wall
#                  time, irvi version, and (from PROTOCOL_JSON, the
#                  results.json of `irvi experiment protocol`) its test numbers
#   card.md        the same for people
# Needs a built irvi (build/app/irvi) for `irvi data info` and the version.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
RUN=$1; NAME=$2; CMD=$3; PROTO=${4:-}
cd "$(dirname "$0")/.."
IRVI=${IRVI:-build/app/irvi}
OUT=assets/models/$NAME
[ -f "$RUN/checkpoint.irvi" ] || { echo "ship-model: no $RUN/checkpoint.irvi" >&2; exit 1; }
[ -f "$RUN/metrics.jsonl" ] || { echo "ship-model: no $RUN/metrics.jsonl" >&2; exit 1; }
mkdir -p "$OUT"
cp "$RUN/checkpoint.irvi" "$OUT/model.irvi.part" && mv -f "$OUT/model.irvi.part" "$OUT/model.irvi"
cp "$RUN/metrics.jsonl" "$OUT/metrics.jsonl"

num() { sed -n "s/.*\"$1\": \\([-0-9.eE+]*\\).*/\\1/p" "$2"; }
last=$(tail -n 1 "$OUT/metrics.jsonl")
epochs=$(echo "$last" | sed -n 's/.*"epoch": \([0-9]*\).*/\1/p')
updates=$(echo "$last" | sed -n 's/.*"updates": \([0-9]*\).*/\1/p')
best=$(echo "$last" | sed -n 's/.*"best_valid_lb": \([-0-9.eE+]*\).*/\1/p')
train_s=$(num train_seconds "$OUT/metrics.jsonl" | awk '{s+=$1} END {printf "%.0f", s}')
valid_s=$(num valid_seconds "$OUT/metrics.jsonl" | awk '{s+=$1} END {printf "%.0f", s}')
data=$(echo "$CMD" | sed -n 's/.*--data \([^ ]*\).*/\1/p'); data=${data:-binarized-mnist}
info=$("$IRVI" data info "$data" 2>&1 || true)
md5s=$(echo "$info" | awk '/^  [0-9a-f]+  / && length($1) == 32{printf "%s\"%s\": \"%s\"", n++ ? ", " : "", $2, $1}' |
       sed 's|"[^"]*/\([^"/]*\)":|"\1":|g')
version=$("$IRVI" --version | head -n 1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
arch=$("$IRVI" eval --model "$OUT/model.irvi" --n 1 -N 1 --refine 0,1,0.1 2>/dev/null |
       sed -n 's/^model *\(.*\)  (.*/\1/p')
proto_json=null
if [ -n "$PROTO" ] && [ -f "$PROTO" ]; then
    proto_json=$(cat "$PROTO")
fi
cat > "$OUT/card.json" <<EOF
{"name": "$NAME", "model": "$arch", "file": "model.irvi",
 "command": "$CMD",
 "data": "$data", "data_md5": {$md5s},
 "epochs": $epochs, "updates": $updates, "best_valid_lb": $best,
 "train_seconds": $train_s, "valid_seconds": $valid_s,
 "irvi": "$version", "card_written_at_commit": "$commit",
 "continue": "cp -r $OUT runs/$NAME && mv runs/$NAME/model.irvi runs/$NAME/checkpoint.irvi && irvi train --resume --out runs/$NAME --data $data",
 "protocol": $proto_json}
EOF
{
    echo "# Reference model \`$NAME\`: $arch"
    echo
    echo "Trained by irvi itself (this card written by \`$version\` at commit $commit) on \`$data\`, the fixed"
    echo "binarization of MNIST the paper used."
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| command | \`$CMD\` |"
    echo "| epochs / updates | $epochs / $updates (batch 100) |"
    echo "| best refined validation bound | $best |"
    echo "| wall time | $((train_s / 60)) min of training steps + $((valid_s / 60)) min of validation (2-core machine shared with other work) |"
    echo "| data md5 (uncompressed files) | $(echo "$info" | awk '/^  [0-9a-f]+  / && length($1) == 32{printf "%s%s", n++ ? ", " : "", $1}') |"
    echo
    echo "\`model.irvi\` is the trainer checkpoint: \`irvi eval|exact|refine|export --model\`"
    echo "load its best-validation parameters and open the data it records; to train it"
    echo "further, copy the folder (resume writes in place):"
    echo
    echo '```'
    echo "cp -r $OUT runs/$NAME && mv runs/$NAME/model.irvi runs/$NAME/checkpoint.irvi"
    echo "irvi train --resume --out runs/$NAME --data $data --finetune-epochs 500 --finetune-opt rmsprop"
    echo '```'
    echo
    echo "Test numbers (the paper's protocol, \`irvi experiment protocol\`): see"
    echo "\`card.json\` (\"protocol\") and the README's Reference models section."
} > "$OUT/card.md"
echo "ship-model: $OUT ($arch, $epochs epochs, $updates updates, $(du -h "$OUT/model.irvi" | cut -f1))"
