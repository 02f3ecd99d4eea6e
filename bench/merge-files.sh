#!/usr/bin/env bash
# merge-files against `go tool pprof -proto`, whole process, on 1,008 fleet profiles (the 24
# fixtures 42 times, 22.8 MB). Runs alternate between the two so that both see the same machine
# load; prints each run, then the medians and their ratio, and checks that the two outputs are
# the same bytes once uncompressed.
# Usage: bench/merge-files.sh [rounds]   (default 7; Go's part is skipped when go is not on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
[ -f target/pgo-fleet.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/in"
for r in $(seq -w 1 42); do
  for f in src/test/resources/testdata/profiles/fleet/*.pprof; do cp "$f" "$work/in/r$r-$(basename "$f")"; done
done
run() { # label, output, command...
  local label=$1 out=$2; shift 2
  /usr/bin/time -o "$work/time" -f '%e %M' "$@" > "$work/stdout" 2> "$work/stderr" || { cat "$work/stderr"; exit 1; }
  read -r secs kb < "$work/time"
  echo "$label $secs s, peak RSS $((kb / 1024)) MB"
  echo "$secs" >> "$work/$label.times"
  [ "$out" = - ] && cp "$work/stdout" "$work/$label.pgo" || true
}
have_go=$(command -v go > /dev/null && echo yes || echo no)
[ "$have_go" = yes ] || echo "go not on PATH: timing merge-files alone"
for _ in $(seq "$rounds"); do
  run java "$work/java.pgo" java -jar target/pgo-fleet.jar merge-files -o "$work/java.pgo" "$work"/in/*
  [ "$have_go" = no ] || run go - go tool pprof -proto -symbolize=none "$work"/in/*
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
java_median=$(median "$work/java.times")
echo "median: merge-files $java_median s"
if [ "$have_go" = yes ]; then
  go_median=$(median "$work/go.times")
  echo "median: go tool pprof $go_median s; merge-files is $(awk -v g="$go_median" -v j="$java_median" 'BEGIN {printf "%.2f", g / j}')x faster"
  if cmp -s <(gzip -dc "$work/java.pgo") <(gzip -dc "$work/go.pgo"); then echo "outputs: identical uncompressed bytes"; else echo "outputs DIFFER"; exit 1; fi
fi
