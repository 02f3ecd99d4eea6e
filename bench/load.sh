#!/usr/bin/env bash
# Starts the packaged collector on a scratch directory and drives /v1/submit with the load
# generator (loopback only). Usage: bench/load.sh PROFILE CONNECTIONS SECONDS [java options for the collector]
# e.g. bench/load.sh src/test/resources/testdata/profiles/fleet/inst001.pprof 32 20
#      bench/load.sh /tmp/big150k.pprof 256 30 -Xmx128m
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=$1 CONNS=$2 SECS=$3; shift 3
[ -f target/pgo-fleet.jar ] || mvn -B -q package -DskipTests
mvn -B -q test-compile
work=$(mktemp -d); echo bench-submit > "$work/submit"; echo bench-merge > "$work/merge"
PGOF_BIND_ADDRESS=127.0.0.1:18080 PGOF_DIRECTORY="$work/store" PGOF_SUBMIT_AUTH_KEYS_FILE="$work/submit" \
  PGOF_MERGE_AUTH_KEYS_FILE="$work/merge" java "$@" -jar target/pgo-fleet.jar > "$work/collector.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null http://127.0.0.1:18080/healthz && break; sleep 0.1; done
run() { java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.LoadGenerator --url http://127.0.0.1:18080 \
  --key bench-submit --file "$FILE" --connections "$CONNS" --seconds "$1"; }
echo "warm-up:"; run 30
echo "measured:"; run "$SECS"
echo "collector peak RSS: $(awk '/VmHWM/{printf "%.0f MB", $2/1024}' /proc/$pid/status); stored: $(ls "$work/store" | grep -c pprof) files"
start=$(date +%s%N)
code=$(curl -s --max-time 900 -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer bench-merge' http://127.0.0.1:18080/v1/merge)
echo "merge after the run: HTTP $code in $(( ($(date +%s%N) - start) / 1000000 )) ms"
