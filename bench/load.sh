#!/usr/bin/env bash
# Starts the packaged collector on a scratch directory and drives /v1/submit with the load
# generator (loopback only).
# Usage: bench/load.sh PROFILE CONNECTIONS SECONDS [java options for the collector]
#        bench/load.sh --sustained PROFILE CONNECTIONS [SECONDS [WARMUP [MERGE_EVERY]]] [-- java options]
# e.g. bench/load.sh src/test/resources/testdata/profiles/fleet/inst001.pprof 32 20
#      bench/load.sh /tmp/big150k.pprof 256 30 -Xmx128m
#      bench/load.sh --sustained src/test/resources/testdata/profiles/fleet/inst001.pprof 32        # 30 s warm-up, 300 s
#      bench/load.sh --sustained src/test/resources/testdata/profiles/fleet/inst001.pprof 32 20 10 5 # a smoke run
#      SERVICES=100 bench/load.sh src/test/resources/testdata/profiles/fleet/inst001.pprof 32 20
# The sustained mode (dev.pgofleet.bench.SustainedLoad) prints, per second, accepted and refused
# submits and the compaction lag (from /metrics), a merge every MERGE_EVERY seconds (on a connection
# of its own, timed to its last byte), then accepted/s, refused/s, p50/p99 of accepted submits, the
# highest lag, the collector's CPU per accepted profile and its own log's time for each merge. JAR=path/to/other/pgo-fleet.jar runs that collector instead (to compare builds in one session);
# ORIGINAL_SRC=path/to/a/checkout/of/t2bot/pgo-fleet runs the original Go collector, built by bench/original.sh
# (it has no /metrics, so no lag; MERGE_EVERY=0 takes no merge during the load).
# SERVICES=N (default 1, closed-loop mode) spreads the submits over services svc-0 .. svc-<N-1>; the
# merge after the run is then of each of the first 10 services, for the per-service latency.
# WARMUP=S (default 30) is the closed-loop mode's warm-up. LOG=FILE keeps the collector's log there.
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
  WARMUP=${WARMUP:-30}
fi
SERVICES=${SERVICES:-1}
JAR=${JAR:-target/pgo-fleet.jar}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
mvn -B -q test-compile
work=$(mktemp -d); echo bench-submit > "$work/submit"; echo bench-merge > "$work/merge"
if [ -n "${ORIGINAL_SRC:-}" ]; then
  bench/original.sh "$ORIGINAL_SRC" "$work/original"; mkdir -p "$work/store"; collector=("$work/original")
else
  collector=(java "$@" -jar "$JAR")
fi
PGOF_BIND_ADDRESS=127.0.0.1:18080 PGOF_DIRECTORY="$work/store" PGOF_SUBMIT_AUTH_KEYS_FILE="$work/submit" \
  PGOF_MERGE_AUTH_KEYS_FILE="$work/merge" "${collector[@]}" > "$work/collector.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; [ -n "${LOG:-}" ] && cp "$work/collector.log" "$LOG"; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null http://127.0.0.1:18080/healthz && break; sleep 0.1; done
if [ -n "$SUSTAINED" ]; then
  java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.SustainedLoad --url http://127.0.0.1:18080 \
    --key bench-submit --merge-key bench-merge --file "$FILE" --connections "$CONNS" --seconds "$SECS" --warmup "$WARMUP" \
    --merge-every "$MERGE_EVERY" --pid "$pid"
else
  run() { java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.LoadGenerator --url http://127.0.0.1:18080 \
    --key bench-submit --file "$FILE" --connections "$CONNS" --seconds "$1" --services "$SERVICES"; }
  echo "warm-up:"; run "$WARMUP"
  echo "measured:"; run "$SECS"
fi
echo "collector peak RSS: $(awk '/VmHWM/{printf "%.0f MB", $2/1024}' /proc/$pid/status); stored: $(find "$work/store" \( -name '*.pprof' -o -name '*.pgo' \) -not -path '*/quarantine/*' | wc -l) files in $SERVICES service(s)"
merge() { # $1: query
  local start code; start=$(date +%s%N)
  code=$(curl -s --max-time 900 -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer bench-merge' "http://127.0.0.1:18080/v1/merge$1")
  echo "merge$1 after the run: HTTP $code in $(( ($(date +%s%N) - start) / 1000000 )) ms"
}
if [ -n "${ORIGINAL_SRC:-}" ]; then echo "(no merge of the original after the run: it parses every stored file at once)"
elif [ "$SERVICES" -le 1 ]; then merge ""; else for i in $(seq 0 $(( SERVICES < 10 ? SERVICES - 1 : 9 ))); do merge "?service=svc-$i"; done; fi
[ -n "$SUSTAINED" ] && [ -z "${ORIGINAL_SRC:-}" ] && echo "merges as the collector logged them (time on its merge thread, the one after the run included): $(
  grep -o 'merged [0-9]* files.* in [0-9]* ms$' "$work/collector.log" | awk '{print $(NF-1)}' | sort -n \
    | awk '{a[NR]=$1} END{if (NR) printf "%d, median %d, max %d ms", NR, a[int((NR+1)/2)], a[NR]}')"
echo "compactor: $(grep -c 'compacted' "$work/collector.log" || true) passes logged; last: $(grep 'compacted' "$work/collector.log" | tail -1 | cut -c1-160)"
