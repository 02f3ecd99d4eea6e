#!/usr/bin/env bash
# Starts the packaged collector on a scratch directory and drives /v1/submit with the load
# generator (loopback only).
# Usage: bench/load.sh PROFILE CONNECTIONS SECONDS [java options for the collector]
#        bench/load.sh --sustained PROFILE CONNECTIONS [SECONDS [WARMUP [MERGE_EVERY]]] [-- java options]
# e.g. bench/load.sh src/test/resources/testdata/profiles/fleet/inst001.pprof 32 20
#      bench/load.sh /tmp/big150k.pprof 256 30 -Xmx128m
#      bench/load.sh --sustained src/test/resources/testdata/profiles/fleet/inst001.pprof 32        # 30 s warm-up, 300 s
#      bench/load.sh --sustained src/test/resources/testdata/profiles/fleet/inst001.pprof 32 20 10 5 # a smoke run
# The sustained mode (dev.pgofleet.bench.SustainedLoad) prints, per second, accepted and refused
# submits and the compaction lag (from /metrics), a merge every MERGE_EVERY seconds (timed), then
# accepted/s, refused/s, p50/p99 of accepted submits, the highest lag and the collector's CPU per
# accepted profile. JAR=path/to/other/pgo-fleet.jar runs that collector instead (to compare builds in one session).
set -euo pipefail
cd "$(dirname "$0")/.."
SUSTAINED=
if [ "${1:-}" = --sustained ]; then
  SUSTAINED=1; shift
  FILE=$1 CONNS=$2; shift 2
  SECS=300 WARMUP=30 MERGE_EVERY=10
  [ $# -gt 0 ] && [ "$1" != -- ] && { SECS=$1; shift; }
  [ $# -gt 0 ] && [ "$1" != -- ] && { WARMUP=$1; shift; }
  [ $# -gt 0 ] && [ "$1" != -- ] && { MERGE_EVERY=$1; shift; }
  [ "${1:-}" = -- ] && shift
else
  FILE=$1 CONNS=$2 SECS=$3; shift 3
fi
JAR=${JAR:-target/pgo-fleet.jar}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
mvn -B -q test-compile
work=$(mktemp -d); echo bench-submit > "$work/submit"; echo bench-merge > "$work/merge"
PGOF_BIND_ADDRESS=127.0.0.1:18080 PGOF_DIRECTORY="$work/store" PGOF_SUBMIT_AUTH_KEYS_FILE="$work/submit" \
  PGOF_MERGE_AUTH_KEYS_FILE="$work/merge" java "$@" -jar "$JAR" > "$work/collector.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null http://127.0.0.1:18080/healthz && break; sleep 0.1; done
if [ -n "$SUSTAINED" ]; then
  java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.SustainedLoad --url http://127.0.0.1:18080 \
    --key bench-submit --merge-key bench-merge --file "$FILE" --connections "$CONNS" --seconds "$SECS" --warmup "$WARMUP" \
    --merge-every "$MERGE_EVERY" --pid "$pid"
else
  run() { java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.LoadGenerator --url http://127.0.0.1:18080 \
    --key bench-submit --file "$FILE" --connections "$CONNS" --seconds "$1"; }
  echo "warm-up:"; run 30
  echo "measured:"; run "$SECS"
fi
echo "collector peak RSS: $(awk '/VmHWM/{printf "%.0f MB", $2/1024}' /proc/$pid/status); stored: $(ls "$work/store" | grep -c pprof) files"
start=$(date +%s%N)
code=$(curl -s --max-time 900 -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer bench-merge' http://127.0.0.1:18080/v1/merge)
echo "merge after the run: HTTP $code in $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo "compactor: $(grep -c 'compacted' "$work/collector.log" || true) passes logged; last: $(grep 'compacted' "$work/collector.log" | tail -1 | cut -c1-160)"
