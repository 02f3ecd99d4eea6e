#!/usr/bin/env bash
# Merge latency against the number of stored profiles, and whether compaction keeps up with a
# full-rate burst. For each N: a fresh collector (java options from the command line), a burst of
# N submits at full rate (32 connections, the 24 fleet fixtures in turn), a merge right after the
# burst, then, once the compactor has folded everything, the median of 5 merges each made after
# one new submit (so none is served from the cache).
# Usage: bench/merge-latency.sh [N...] [-- java options]   e.g. bench/merge-latency.sh 10 1000 -- -Xmx256m
set -euo pipefail
cd "$(dirname "$0")/.."
counts=() jvm=()
while [ $# -gt 0 ]; do [ "$1" = -- ] && { shift; jvm=("$@"); break; }; counts+=("$1"); shift; done
[ ${#counts[@]} -gt 0 ] || counts=(10 1000 20000 100000)
[ -f target/pgo-fleet.jar ] || mvn -B -q package -DskipTests
mvn -B -q test-compile
fleet=$(ls src/test/resources/testdata/profiles/fleet/*.pprof | paste -sd,)
one=src/test/resources/testdata/profiles/fleet/inst001.pprof
url=http://127.0.0.1:18081
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# "<status> <milliseconds>", timed by curl itself
merge() { curl -s --max-time 900 -o /dev/null -w '%{http_code} %{time_total}' -X POST -H 'Authorization: Bearer bench-merge' \
  $url/v1/merge | awk '{printf "%s %.1f", $1, $2 * 1000}'; }
metric() { curl -s $url/metrics | awk -v m="$1" '$1==m {printf "%d", $2}'; }
for n in "${counts[@]}"; do
  work=$(mktemp -d); echo bench-submit > "$work/submit"; echo bench-merge > "$work/merge"
  PGOF_BIND_ADDRESS=127.0.0.1:18081 PGOF_DIRECTORY="$work/store" PGOF_SUBMIT_AUTH_KEYS_FILE="$work/submit" \
    PGOF_MERGE_AUTH_KEYS_FILE="$work/merge" java "${jvm[@]}" -jar target/pgo-fleet.jar > "$work/collector.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 100); do curl -fs -o /dev/null $url/healthz && break; sleep 0.1; done
  burst=$(java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.LoadGenerator --url $url \
    --key bench-submit --file "$fleet" --connections 32 --seconds 3600 --max-requests "$n")
  lag=$(metric pgof_compaction_lag_profiles)
  read -r code after_burst <<< "$(merge)"
  t=$(date +%s%N)
  while [ "$(metric pgof_compaction_lag_profiles)" != 0 ]; do sleep 0.05; done
  catch_up=$(ms "$t")
  times=()
  for _ in 1 2 3 4 5; do
    curl -s -o /dev/null -X POST -H 'Authorization: Bearer bench-submit' --data-binary @"$one" $url/v1/submit
    times+=("$(merge | cut -d' ' -f2)")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
  cached=$(merge | cut -d' ' -f2)
  echo "N=$n  burst: $(echo "$burst" | grep -o 'rate=[^ ]*') $(echo "$burst" | grep -o 'statuses=[^ ]*')"
  echo "  lag at burst end: $lag profiles; merge right after the burst: HTTP $code in $after_burst ms; compactor caught up $catch_up ms later"
  echo "  merge after one new submit, compaction caught up: median $median ms (${times[*]}); cached: $cached ms"
  echo "  files stored: $(ls "$work/store" | grep -c pprof); collector peak RSS: $(awk '/VmHWM/{printf "%.0f MB", $2/1024}' /proc/$pid/status)"
  kill $pid; wait $pid 2>/dev/null || true; rm -rf "$work"; trap - EXIT
done
