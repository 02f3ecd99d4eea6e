#!/usr/bin/env bash
# The sustained load of bench/load.sh against this collector and the original in one run, in
# alternating slices, so that a drift of the machine's speed (a fifth within an hour on the VMs
# these figures come from) falls on both alike. Both collectors run all along on scratch
# directories; the load goes to one at a time, a merge every 10 s to ours during its slices.
# Usage: ORIGINAL_SRC=checkout-of-t2bot/pgo-fleet bench/alternate.sh PROFILE CONNECTIONS [SLICES [SLICE_SECONDS [WARMUP]]]
# e.g.   ORIGINAL_SRC=/tmp/original-src bench/alternate.sh src/test/resources/testdata/profiles/fleet/inst001.pprof 32 5 60
# Prints each slice's line, then per collector: accepted/s over all its slices, the highest p99 of
# a slice, and its CPU per accepted profile over the whole run (what it did between its slices
# included: our compaction catches up then), the load generator's CPU per answer (the mean of its
# slices; it runs on the same cores); for ours also the lag and the merges.
# JAR=path/to/other/pgo-fleet.jar runs that build as ours. VERSUS_JAR=path/to/another/pgo-fleet.jar runs
# that build in the original's place (merges taken from both), to compare two builds of ours;
# VERSUS_ENV='PGOF_IO_THREADS=4' and VERSUS_OPTS='-XX:+UseParallelGC' give it settings of its own.
# The load generator runs from a copy of the classes, so a build made meanwhile does not disturb it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${ORIGINAL_SRC:-}${VERSUS_JAR:-}" ] || { echo "alternate.sh: set ORIGINAL_SRC to a checkout of t2bot/pgo-fleet, or VERSUS_JAR" >&2; exit 2; }
FILE=$1 CONNS=$2 SLICES=${3:-5} SLICE=${4:-60} WARMUP=${5:-30}
JAR=${JAR:-target/pgo-fleet.jar}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
mvn -B -q test-compile
work=$(mktemp -d); echo bench-submit > "$work/submit"; echo bench-merge > "$work/merge"
cp -r target/test-classes "$work/classes"; cp target/pgo-fleet.jar "$work/classes.jar"
if [ -n "${VERSUS_JAR:-}" ]; then
  other=(env ${VERSUS_ENV:-} java ${VERSUS_OPTS:-} -jar "$VERSUS_JAR") other_merges=10 name=versus
else
  bench/original.sh "$ORIGINAL_SRC" "$work/original"; other=("$work/original") other_merges=0 name=original
fi
start() { # $1: port, $2: store, rest: command
  local port=$1 store=$2; shift 2; mkdir -p "$store"
  PGOF_BIND_ADDRESS=127.0.0.1:$port PGOF_DIRECTORY=$store PGOF_SUBMIT_AUTH_KEYS_FILE=$work/submit \
    PGOF_MERGE_AUTH_KEYS_FILE=$work/merge "$@" > "$store.log" 2>&1 &
  echo $!
}
ours=$(start 18080 "$work/ours" java -jar "$JAR")
theirs=$(start 18081 "$work/theirs" "${other[@]}")
trap 'kill $ours $theirs 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for port in 18080 18081; do
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
slice() { # $1: ours|$name, $2: warm-up seconds
  local port=18080 pid=$ours every=10
  [ "$1" = "$name" ] && port=18081 pid=$theirs every=$other_merges
  java -cp "$work/classes:$work/classes.jar" dev.pgofleet.bench.SustainedLoad --url "http://127.0.0.1:$port" \
    --key bench-submit --merge-key bench-merge --file "$FILE" --connections "$CONNS" --seconds "$SLICE" --warmup "$2" \
    --merge-every "$every" --pid "$pid" > "$work/slice.txt"
  grep -E '^(measured|accepted submits|compaction lag|merges every|load generator)' "$work/slice.txt" | sed "s/^/$1: /" | tee -a "$work/$1.txt"
}
slice ours "$WARMUP"; slice "$name" "$WARMUP"; : > "$work/ours.txt"; : > "$work/$name.txt" # warm-ups, not counted
c0=$(ticks "$ours") t0=$(ticks "$theirs")
for i in $(seq "$SLICES"); do
  echo "slice $i of $SLICES"; slice ours 0; slice "$name" 0
done
ours_cpu=$(( $(ticks "$ours") - c0 )) theirs_cpu=$(( $(ticks "$theirs") - t0 ))
summary() { # $1: ours|$name, $2: its CPU ticks over the run
  awk -v who="$1" -v ticks="$2" '
    /measured/ { match($0, /measured [0-9.]+/); secs += substr($0, RSTART + 9, RLENGTH - 9)
                 if (match($0, /204=[0-9]+/)) ok += substr($0, RSTART + 4, RLENGTH - 4)
                 if (match($0, /503=[0-9]+/)) shed += substr($0, RSTART + 4, RLENGTH - 4) }
    /accepted submits/ { match($0, /p99 [0-9.]+/); p = substr($0, RSTART + 4, RLENGTH - 4) + 0; if (p > p99) p99 = p }
    /load generator CPU/ { match($0, /CPU: [0-9]+/); gen += substr($0, RSTART + 5, RLENGTH - 5); slices++ }
    END { printf "%s: accepted %.0f/s over %.0f s, refused %d, highest p99 of a slice %.1f ms, CPU %.0f µs per accepted profile" \
            " (load generator: %.0f µs per answer)\n", who, ok / secs, secs, shed, p99, ticks * 10000 / ok, slices ? gen / slices : 0 }' "$work/$1.txt"
}
mine=$(summary ours "$ours_cpu"); orig=$(summary "$name" "$theirs_cpu")
echo "$mine"; echo "$orig"
echo "ours: highest lag $(grep -o 'at most [0-9]*' "$work/ours.txt" | awk '$3 > m {m = $3} END {print m + 0}'); merges: $(
  grep -o '\[[0-9, -]*\]' "$work/ours.txt" | tr -d '[]' | tr ',' '\n' | awk 'NF {print $1}' | sort -n \
    | awk '{a[NR] = $1; if ($1 >= 0 && $1 < 100) u++} END {if (NR) printf "%d, median %d ms, max %d ms, %d under 100 ms", NR, a[int((NR + 1) / 2)], a[NR], u}')"
rate() { echo "$1" | sed -E 's/.*accepted ([0-9]+)\/s.*/\1/'; }
echo "ratio: $(awk -v a="$(rate "$mine")" -v b="$(rate "$orig")" 'BEGIN {printf "%.2fx", a / b}')"
