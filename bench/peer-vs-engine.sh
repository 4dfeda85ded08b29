#!/usr/bin/env bash
# The service's training engine (EngineBenchmark, src/bench/java) against its PyTorch peer (bench/peer) in one window:
# ROUNDS rounds, the two alternating (engine first in odd rounds, the peer first in even ones), then per network the
# figures of every round and the ratio engine/peer of the medians for training img/s, batch-128 inference img/s and
# single-image latency. Both get 2 native threads (OMP_NUM_THREADS=2; PyTorch 2 intra-op, 1 inter-op).
#
#   bench/peer-vs-engine.sh [networks]          e.g. bench/peer-vs-engine.sh baseline,factorized
#
# Environment: ROUNDS (3), STEPS timed training steps (200), WARMUP (300), SINGLE_RUNS and BATCH_RUNS timed
# inference passes (300, 40), DATA (CIFAR-10 binary directory, for
# the engine, default ../shared/data/cifar10; the peer trains on random data of the same shape), OUT
# (target/peer-vs-engine: each run's full output), ENGINE_ARGS (more options for EngineBenchmark, e.g. --engine dl4j
# for DL4J's own path, the "before" of issue 18), PEER_ARGS (more options for PeerBenchmark, e.g. --channels-first
# for the engine's NCHW layout instead of PyTorch's channels-last default, or --phases). The engine evaluates on 500
# test images only: its accuracy is not what is compared here. Check each peer run's "first non-finite loss" and
# phases before a ratio is claimed (docs/performance.md, "PyTorch peer").
# Needs the PyTorch natives in the local Maven repository (bench/peer/pom.xml names them); runs offline.
set -euo pipefail
cd "$(dirname "$0")/.."

NETWORKS=${1:-baseline,factorized,multibranch,batchnorm,combined}
ROUNDS=${ROUNDS:-3}
STEPS=${STEPS:-200}
WARMUP=${WARMUP:-300}
SINGLE_RUNS=${SINGLE_RUNS:-300}
BATCH_RUNS=${BATCH_RUNS:-40}
# the shared data directory beside the main checkout, or beside the worktrees' parent
DATA=${DATA:-$(for d in ../shared/data/cifar10 ../../shared/data/cifar10; do [ -d "$d" ] && echo "$d" && break; done)}
[ -f "${DATA:-}/data_batch_1.bin" ] || { echo "no CIFAR-10 binary batches in '${DATA:-}': set DATA" >&2; exit 2; }
PEER_ARGS=${PEER_ARGS:-}
ENGINE_ARGS=${ENGINE_ARGS:-}
OUT=${OUT:-target/peer-vs-engine}
mkdir -p "$OUT"
export OMP_NUM_THREADS=2
# PyTorch's CPU allocator is malloc: with glibc's default, freed tensors go back to the system and come again as
# fresh pages, and the peer's steps took 2-4x longer until the adaptive threshold caught up (150-190 ms median in the
# first quarter of 200 steps, 50-60 ms once settled). Fixed thresholds — what PyTorch's CPU tuning guide gets with
# jemalloc or tcmalloc — for both sides alike, and a long warm-up, so steady state is what is measured.
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-4294967296} MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-4294967296}

./mvnw -B -o -q -Pbenchmark compile dependency:build-classpath \
    -Dmdep.outputFile=target/engine-classpath.txt -Dmdep.includeScope=runtime
./mvnw -B -o -q -f bench/peer/pom.xml compile dependency:build-classpath \
    -Dmdep.outputFile=target/peer-classpath.txt -Dmdep.includeScope=runtime

engine=(java -Xmx2g -cp "target/classes:$(cat target/engine-classpath.txt)" io.cnnlab.benchmark.EngineBenchmark
    --data "$DATA" --networks "$NETWORKS" --steps "$STEPS" --warmup "$WARMUP" --test-images 500
    --single-runs "$SINGLE_RUNS" --batch-runs "$BATCH_RUNS" $ENGINE_ARGS)
peer=(java -Xmx2g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1
    -cp "bench/peer/target/classes:$(cat bench/peer/target/peer-classpath.txt)" io.cnnlab.peer.PeerBenchmark
    --networks "$NETWORKS" --steps "$STEPS" --warmup "$WARMUP" --single-runs "$SINGLE_RUNS" --batch-runs "$BATCH_RUNS"
    $PEER_ARGS)

commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench pom.xml || echo "+uncommitted")
summary="$OUT/summary.txt"
{
    echo "# peer-vs-engine $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $commit, $(nproc) cores, OMP_NUM_THREADS=$OMP_NUM_THREADS, MALLOC_MMAP_THRESHOLD_=$MALLOC_MMAP_THRESHOLD_ MALLOC_TRIM_THRESHOLD_=$MALLOC_TRIM_THRESHOLD_"
    echo "# bench/peer-vs-engine.sh $NETWORKS  (ROUNDS=$ROUNDS STEPS=$STEPS WARMUP=$WARMUP SINGLE_RUNS=$SINGLE_RUNS BATCH_RUNS=$BATCH_RUNS)"
    echo "# engine: java -Xmx2g -cp target/classes:<runtime classpath> io.cnnlab.benchmark.EngineBenchmark --data $DATA --networks $NETWORKS --steps $STEPS --warmup $WARMUP --test-images 500 --single-runs $SINGLE_RUNS --batch-runs $BATCH_RUNS${ENGINE_ARGS:+ $ENGINE_ARGS}"
    echo "# peer:   java -Xmx2g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1 -cp bench/peer/target/classes:<runtime classpath> io.cnnlab.peer.PeerBenchmark --networks $NETWORKS --steps $STEPS --warmup $WARMUP --single-runs $SINGLE_RUNS --batch-runs $BATCH_RUNS${PEER_ARGS:+ $PEER_ARGS}"
} > "$summary"

run() { # side round
    local side=$1 round=$2 load
    load=$(cut -d' ' -f1 /proc/loadavg)
    local start=$SECONDS
    if [ "$side" = engine ]; then "${engine[@]}"; else "${peer[@]}"; fi >"$OUT/$side-$round.txt" 2>"$OUT/$side-$round.err"
    echo "# round $round $side: $((SECONDS - start)) s, load average at start $load" | tee -a "$summary" >&2
    grep '^RESULT ' "$OUT/$side-$round.txt" | sed "s/^RESULT /$side $round /" >>"$OUT/results.txt"
    # a peer that does not train is no reference: say so where the ratios are read
    grep -H 'first non-finite loss' "$OUT/$side-$round.txt" | sed 's/^/# WARNING: /' | tee -a "$summary" >&2 || true
}

# results.txt lines: side round network train_img_s=X infer_img_s=Y single_ms=Z
report() {
    awk -v networks="$NETWORKS" '
        function median(list,    n, a, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n == 0 ? "" : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
        }
        {
            for (i = 4; i <= NF; i++) {
                split($i, kv, "="); key = $1 SUBSEP $3 SUBSEP kv[1]
                if (key in values) values[key] = values[key] " " kv[2]; else values[key] = kv[2]
            }
        }
        END {
            print ""
            print "| network | measure | engine, each round | peer, each round | engine (median) | peer (median) | engine/peer |"
            print "|---|---|---|---|---:|---:|---:|"
            n = split(networks, names, ",")
            split("train_img_s infer_img_s single_ms", measures, " ")
            label["train_img_s"] = "training img/s"; label["infer_img_s"] = "inference img/s, batch 128"
            label["single_ms"] = "1 image ms, p50 (engine/peer < 1: engine faster)"
            for (k = 1; k <= n; k++) for (m = 1; m <= 3; m++) {
                e = values["engine" SUBSEP names[k] SUBSEP measures[m]]; p = values["peer" SUBSEP names[k] SUBSEP measures[m]]
                me = median(e); mp = median(p)
                gsub(" ", " / ", e); gsub(" ", " / ", p)
                printf "| %s | %s | %s | %s | %s | %s | %s |\n", names[k], label[measures[m]], e, p, me, mp, (mp > 0 && me != "" ? sprintf("%.2f", me / mp) : "-")
            }
        }' "$OUT/results.txt"
}

: >"$OUT/results.txt"
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then run engine "$round"; run peer "$round"; else run peer "$round"; run engine "$round"; fi
    { cat "$summary"; report; } >"$OUT/after-round-$round.txt"
done
report >>"$summary"

echo "# finished $(date -u +%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$summary"
cat "$summary"
