#!/usr/bin/env bash
# Scaling out, measured (issue 16 item 10; docs/operations.md, "Scaling out: measured"):
#   (a) claims per second with 16 contending workers on PostgreSQL (io.cnnlab.jobs.ClaimBenchmark, when the tree has it)
#   (b) the same short jobs on one worker process, then on two, each process with one native thread, all on one
#       PostgreSQL database and one shared storage root: wall time and aggregate training images per second.
#
# Needs PostgreSQL's server binaries under /usr/lib/postgresql/<version>/bin (apt-get install postgresql), curl, jq and
# python3. Runs as root too (the database then runs as the postgres user). Everything it makes is under one temporary
# directory, removed at the end. Settings (environment):
#   JOBS=8 EPOCHS=2 PER_FILE=100 (records per generated CIFAR-10 batch file: 5 x PER_FILE training images)
#   BATCH=32 ARCHITECTURE=baseline PROCESSES="1 2" CLAIM_JOBS=5000 SKIP_BUILD=0
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-8}
EPOCHS=${EPOCHS:-2}
PER_FILE=${PER_FILE:-100}
BATCH=${BATCH:-32}
ARCHITECTURE=${ARCHITECTURE:-baseline}
PROCESSES=${PROCESSES:-"1 2"}
CLAIM_JOBS=${CLAIM_JOBS:-5000}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -B -o -q -Pbenchmark compile dependency:build-classpath \
    -Dmdep.outputFile=target/cluster-bench.classpath -Dmdep.includeScope=runtime
fi
CLASSPATH_ARG="target/classes:$(cat target/cluster-bench.classpath)"

WORK=$(mktemp -d /tmp/cnn-cluster-bench-XXXXXX)
chmod 755 "$WORK"
PIDS=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir "$WORK/pg"
[[ $(id -u) == 0 ]] && chown postgres: "$WORK/pg"
PG_PORT=$(free_port)
as_postgres "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w -t 60 start -o \
  "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK/pg -c fsync=off -c synchronous_commit=off -c max_connections=200" >/dev/null
psql_admin() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qAt -c "$1"; }
JDBC="jdbc:postgresql://127.0.0.1:$PG_PORT"

echo "cluster-bench $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"

# (a) claims per second
if [[ -f target/classes/io/cnnlab/jobs/ClaimBenchmark.class ]]; then
  echo "== claims: 16 workers over 2 connection pools, $CLAIM_JOBS queued jobs per round"
  java -cp "$CLASSPATH_ARG" io.cnnlab.jobs.ClaimBenchmark --url "$JDBC/postgres" --user postgres \
    --workers 16 --pools 2 --jobs "$CLAIM_JOBS"
else
  echo "== claims: io.cnnlab.jobs.ClaimBenchmark is not in this tree (src/bench/java); skipped"
fi

# (b) one worker process against two, the same jobs
python3 - "$WORK/data" "$PER_FILE" <<'EOF'
import os, random, sys
directory, per_file = sys.argv[1], int(sys.argv[2])
os.makedirs(directory)
rng = random.Random(7)
for name in ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]:
    with open(os.path.join(directory, name), "wb") as f:
        for i in range(per_file):
            f.write(bytes([i % 10]) + rng.randbytes(3072))
with open(os.path.join(directory, "batches.meta.txt"), "w") as f:
    f.write("\n".join(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]) + "\n\n")
EOF

start_service() { # name database storage; appends its port to PORTS
  local name=$1 database=$2 storage=$3 port
  port=$(free_port)
  mkdir -p "$WORK/$name"
  OMP_NUM_THREADS=1 java -Xmx1g -cp "$CLASSPATH_ARG" io.cnnlab.Application \
    --server.port="$port" --server.address=127.0.0.1 --cnn.home="$WORK/$name" --cnn.data-dir="$WORK/data" \
    --cnn.dataset.download=false --spring.datasource.url="$JDBC/$database" --spring.datasource.username=postgres \
    --cnn.instance-id="$name" --cnn.storage.root="$storage" --cnn.training.workers=1 --cnn.retention.enabled=false \
    >"$WORK/$name/service.log" 2>&1 &
  PIDS+=($!)
  PORTS+=("$port")
}

wait_ready() {
  local port=$1
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "the service on port $port did not become ready" >&2
  return 1
}

for processes in $PROCESSES; do
  database="bench_$processes"
  psql_admin "create database $database"
  storage="$WORK/storage-$processes"
  mkdir -p "$storage"
  PORTS=()
  for i in $(seq 1 "$processes"); do
    start_service "p$processes-worker-$i" "$database" "$storage"
  done
  ports=("${PORTS[@]}")
  for port in "${ports[@]}"; do wait_ready "$port"; done

  ids=()
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  start=$(date +%s.%N)
  for j in $(seq 1 "$JOBS"); do
    port=${ports[$(( (j - 1) % processes ))]}
    ids+=("$(curl -fs -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$port/api/v1/training-jobs" \
      -d "{\"architecture\":\"$ARCHITECTURE\",\"epochs\":$EPOCHS,\"batchSize\":$BATCH,\"seed\":$j}" | jq -r .id)")
  done
  while true; do
    states=$(for id in "${ids[@]}"; do curl -fs "http://127.0.0.1:${ports[0]}/api/v1/training-jobs/$id" | jq -r .state; done)
    if echo "$states" | grep -qv SUCCEEDED; then
      if echo "$states" | grep -qE 'FAILED|CANCELLED'; then
        echo "a job did not succeed: $(echo "$states" | sort | uniq -c | tr '\n' ' ')" >&2
        exit 1
      fi
      sleep 0.5
    else
      break
    fi
  done
  end=$(date +%s.%N)

  # every job trains on all 5 x PER_FILE generated images each epoch
  workers=""
  for id in "${ids[@]}"; do
    workers+="$(curl -fs "http://127.0.0.1:${ports[0]}/api/v1/training-jobs/$id" | jq -r .worker) "
  done
  echo "   (load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg))"
  python3 - "$processes" "$JOBS" "$EPOCHS" "$start" "$end" "$(( JOBS * EPOCHS * 5 * PER_FILE ))" "$workers" <<'EOF'
import collections, sys
processes, jobs, epochs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
wall = float(sys.argv[5]) - float(sys.argv[4])
images = int(sys.argv[6])
per_worker = collections.Counter(sys.argv[7].split())
print("== %d worker process(es): %d jobs x %d epochs, %d images trained, wall %.1f s (first submit to last SUCCEEDED), "
      "aggregate %.1f img/s; jobs per worker %s" % (processes, jobs, epochs, images, wall, images / wall,
                                                    dict(sorted(per_worker.items()))))
EOF
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
done
