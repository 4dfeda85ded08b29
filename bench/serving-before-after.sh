#!/usr/bin/env bash
# Serving of two builds of the service, alternating, in one window: for each round and each jar, a fresh instance
# (own cnn.home, -Xmn64m as the image runs it) trains a short `baseline` job on CIFAR-10, which becomes model version
# 1, then bench/serving-curve.sh measures it with one CIFAR-10 test image as a PNG. Prints every curve (issue 18,
# item 5: 64 clients closed loop, p99 at ~1,000 requests/s paced).
#
#   bench/serving-before-after.sh <before.jar> <after.jar>
#
# Environment: ROUNDS (2), DATA (CIFAR-10 binary directory, default ../shared/data/cifar10), PORT (8091),
# SECONDS_PER_LEVEL (15, for serving-curve.sh), OUT (target/serving-before-after).
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?before jar}; after=${2:?after jar}
ROUNDS=${ROUNDS:-2}; PORT=${PORT:-8091}
DATA=${DATA:-$(for d in ../shared/data/cifar10 ../../shared/data/cifar10; do [ -d "$d" ] && echo "$d" && break; done)}
[ -f "${DATA:-}/test_batch.bin" ] || { echo "no CIFAR-10 binary batches in '${DATA:-}': set DATA" >&2; exit 2; }
OUT=${OUT:-target/serving-before-after}
mkdir -p "$OUT"
image="$OUT/cifar-test-0.png"
python3 - "$DATA/test_batch.bin" "$image" <<'EOF'
import struct, sys, zlib
record = open(sys.argv[1], "rb").read(3073)[1:]
rows = bytearray()
for y in range(32):
    rows.append(0)
    for x in range(32):
        i = y * 32 + x
        rows += bytes((record[i], record[1024 + i], record[2048 + i]))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
open(sys.argv[2], "wb").write(png)
EOF

curve() { # label jar
    local label=$1 jar=$2 home pid job state
    home=$(mktemp -d)
    java -Xmn64m -jar "$jar" --server.address=127.0.0.1 --server.port="$PORT" --cnn.home="$home" --cnn.data-dir="$DATA" \
        >"$OUT/$label-service.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 120); do
        curl -fs "localhost:$PORT/actuator/health" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { echo "$label: the service did not start, see $OUT/$label-service.log" >&2; exit 1; }
        sleep 1
    done
    job=$(curl -fs -X POST "localhost:$PORT/api/v1/training-jobs" -H 'Content-Type: application/json' \
        -d '{"architecture":"baseline","maxSteps":50}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    for _ in $(seq 1 300); do
        state=$(curl -fs "localhost:$PORT/api/v1/training-jobs/$job" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
        [ "$state" = SUCCEEDED ] && break
        [ "$state" = FAILED ] && { echo "$label: the job failed" >&2; kill "$pid"; exit 1; }
        sleep 1
    done
    echo "## $label ($jar), $(date -u +%H:%M:%SZ), load average $(cut -d' ' -f1 /proc/loadavg)"
    bench/serving-curve.sh "http://127.0.0.1:$PORT" baseline "$image"
    grep -h 'serves on' "$OUT/$label-service.log" | sed 's/^.*INFO/#/' | head -1 || true
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$home"
}

for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then curve "before-$round" "$before"; curve "after-$round" "$after"
    else curve "after-$round" "$after"; curve "before-$round" "$before"; fi
done | tee "$OUT/curves.md"
