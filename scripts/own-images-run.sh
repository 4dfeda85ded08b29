#!/usr/bin/env bash
# The own-images run of docs/own-images.md against a running service: three CIFAR-10 classes written out as PNG
# folders (scripts/cifar-classes-to-folders.py), uploaded as a zip through POST /api/v1/datasets, a training job on
# that data set, then its per-class evaluation and the most confident mistakes. Prints every curl it makes.
#
#   scripts/own-images-run.sh <base url> <cifar-10 binary dir> [architecture] [epochs] [classes...]
#   e.g. scripts/own-images-run.sh http://127.0.0.1:8080 ../shared/data/cifar10 baseline 10 airplane cat ship
#
# Needs curl, jq, zip and python3. API_KEY is sent as X-API-Key when set.
set -euo pipefail
base=${1:?base url}; cifar=${2:?CIFAR-10 binary directory}; arch=${3:-baseline}; epochs=${4:-10}
shift $(( $# < 4 ? $# : 4 ))
classes=(airplane cat ship); [ $# -eq 0 ] || classes=("$@")
work=${WORK:-$(mktemp -d)}
auth=(); [ -n "${API_KEY:-}" ] && auth=(-H "X-API-Key: $API_KEY")
say() { echo "\$ $*" >&2; }

python3 "$(dirname "$0")/cifar-classes-to-folders.py" "$cifar" "$work/images" "${classes[@]}" >&2
(cd "$work/images" && zip -qr "$work/images.zip" train test)
echo "archive: $(du -h "$work/images.zip" | cut -f1), sha256 $(sha256sum "$work/images.zip" | cut -c1-16)..." >&2

say curl -s -X POST "$base/api/v1/datasets?name=cifar-3" -H 'Content-Type: application/zip' --data-binary @images.zip
dataset=$(curl -sf "${auth[@]}" -X POST "$base/api/v1/datasets?name=cifar-${#classes[@]}" -H 'Content-Type: application/zip' \
    --data-binary @"$work/images.zip")
echo "$dataset" | jq -c '{id, classes, images, split, counts, rejectedCount}'
id=$(echo "$dataset" | jq -r .id)

model="own-$arch-$(date +%s)"
body=$(jq -cn --arg a "$arch" --arg d "$id" --arg m "$model" --argjson e "$epochs" \
    '{architecture: $a, dataset: $d, modelName: $m, epochs: $e}')
say curl -s -X POST "$base/api/v1/training-jobs" -H 'Content-Type: application/json' -d "'$body'"
job=$(curl -sf "${auth[@]}" -X POST "$base/api/v1/training-jobs" -H 'Content-Type: application/json' -d "$body" | jq -r .id)
echo "job $job" >&2
while true; do
    view=$(curl -sf "${auth[@]}" "$base/api/v1/training-jobs/$job")
    state=$(echo "$view" | jq -r .state)
    case $state in SUCCEEDED|FAILED|CANCELLED) break ;; esac
    echo "  $(echo "$view" | jq -r '"\(.state) epoch \(.epoch) step \(.step)/\(.totalSteps) \(.imagesPerSecond // 0 | floor) img/s"')" >&2
    sleep 15
done
echo "$view" | jq -c '{state, epoch, step, bestTestAccuracy, model, error, startedAt, finishedAt}'
[ "$state" = SUCCEEDED ] || exit 1

say curl -s "$base/api/v1/training-jobs/$job/metrics"
curl -sf "${auth[@]}" "$base/api/v1/training-jobs/$job/metrics" | jq -r '
    "| epoch | train loss | train acc | test loss | test acc | img/s |", "|---:|---:|---:|---:|---:|---:|",
    (.items[] | "| \(.epoch) | \(.trainLoss*1000|round/1000) | \(.trainAccuracy*1000|round/1000) | \(.testLoss*1000|round/1000) | \(.testAccuracy*1000|round/1000) | \(.imagesPerSecond|round) |")'
say curl -s "$base/api/v1/training-jobs/$job/evaluation"
curl -sf "${auth[@]}" "$base/api/v1/training-jobs/$job/evaluation" | jq -r '
    "epoch \(.epoch), accuracy \(.accuracy) on \(.images) test images",
    "", "| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|",
    (.perClass[] | "| \(.label) | \(.precision*1000|round/1000) | \(.recall*1000|round/1000) | \(.f1*1000|round/1000) | \(.support) |"),
    "", "confusion matrix (rows: true label, columns: predicted), labels \(.labels|join(", "))",
    (.confusionMatrix[] | map(tostring) | join("\t"))'
version=$(echo "$view" | jq -r .model.version)
say curl -s "$base/api/v1/models/$model/versions/$version/misclassified?limit=5"
curl -sf "${auth[@]}" "$base/api/v1/models/$model/versions/$version/misclassified?limit=5" | jq -r '
    "most confident mistakes (of \(.total)):", (.items[] | "  test image \(.index): \(.trueLabel) taken for \(.predictedLabel) (\(.confidence*1000|round/1000))")'
