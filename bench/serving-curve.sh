#!/usr/bin/env bash
# The serving curve of a running service, measured with Debian's wrk (a C client: it leaves the cores to the
# service). Closed loop at several concurrencies, then paced loads. Prints a Markdown table.
#   bench/serving-curve.sh <base url> <model> <image file> [api key]
# e.g. bench/serving-curve.sh http://127.0.0.1:8080 baseline cat.png
set -euo pipefail
base=${1:?base url}; model=${2:?model}; image=${3:?image file}; key=${4:-}
url="$base/api/v1/models/$model/classify"
here=$(cd "$(dirname "$0")" && pwd)
seconds=${SECONDS_PER_LEVEL:-15}

run() { # connections rate -> the script's summary line
  wrk -t1 -c"$1" -d"${seconds}s" -s "$here/wrk-classify.lua" "$url" -- "$image" "$key" "$2" "$1" | tail -1
}

echo "warming up (30 s at 16 clients)..." >&2
wrk -t1 -c16 -d30s -s "$here/wrk-classify.lua" "$url" -- "$image" "$key" >/dev/null
echo "| load | requests/s (= images/s) | p50 ms | p90 ms | p99 ms | p99.9 ms | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|"
row() { # label, summary line
  read -r rps _ _ p50 _ _ p90 _ _ p99 _ _ p999 _ _ _ _ _ errors <<<"$2"
  echo "| $1 | $rps | $p50 | $p90 | $p99 | $p999 | $errors |"
}
for c in 1 4 16 64; do row "$c clients, closed loop" "$(run "$c" 0)"; done
row "100 requests/s paced (1 client)" "$(run 1 100)"
row "1,000 requests/s paced (20 clients)" "$(run 20 1150)"
