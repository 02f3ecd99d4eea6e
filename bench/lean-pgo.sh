#!/usr/bin/env bash
# The lean PGO form against the full form for the deep-stack program (src/test/go/deepprog):
# records N profiles (a fleet of N runs, each until 3 s of CPU time), merges them with merge-files
# in both forms, then times `go tool preprofile` and `go build -pgo` (a fresh build cache each
# time, so the whole standard library is compiled with the profile) with each form, alternating.
# Prints sizes, each run (wall time, peak RSS of the largest process) and the medians.
# Usage: bench/lean-pgo.sh [profiles] [rounds]   (default 8 profiles, 3 rounds; needs go on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=${1:-8}
rounds=${2:-3}
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod
[ -f target/pgo-fleet.jar ] || mvn -B -q package -DskipTests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r src/test/go/deepprog "$work/prog"
(cd "$work/prog" && GOCACHE="$work/cache0" go build -o "$work/deepprog" .)
for i in $(seq "$profiles"); do
  "$work/deepprog" -cpuprofile "$work/p$i.pprof" -cpu 3s -seed "$i" 2> /dev/null
done
java -jar target/pgo-fleet.jar merge-files -o "$work/full.pgo" "$work"/p*.pprof
java -jar target/pgo-fleet.jar merge-files --lean -o "$work/lean.pgo" "$work"/p*.pprof
full_size=$(stat -c %s "$work/full.pgo"); lean_size=$(stat -c %s "$work/lean.pgo")
echo "sizes: full $full_size bytes, lean $lean_size bytes ($(awk -v f="$full_size" -v l="$lean_size" 'BEGIN {printf "%.1f", f / l}')x smaller)"
go tool preprofile -i "$work/full.pgo" -o "$work/full.pre"
go tool preprofile -i "$work/lean.pgo" -o "$work/lean.pre"
cmp -s "$work/full.pre" "$work/lean.pre" && echo "go tool preprofile: identical output" || { echo "go tool preprofile output DIFFERS"; exit 1; }
run() { # label, command...
  local label=$1; shift
  /usr/bin/time -o "$work/time" -f '%e %M' "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr"; exit 1; }
  read -r secs kb < "$work/time"
  echo "$label: $secs s, peak RSS $((kb / 1024)) MB"
  echo "$secs $kb" >> "$work/$label.runs"
}
for r in $(seq "$rounds"); do
  for form in full lean; do
    run "preprofile-$form" go tool preprofile -i "$work/$form.pgo" -o "$work/$form.pre"
    rm -rf "$work/cache"
    (cd "$work/prog" && run "build-$form" env GOCACHE="$work/cache" go build -pgo="$work/$form.pgo" -o "$work/bin" .)
  done
done
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{a[NR]=$k} END {print a[int((NR+1)/2)]}'; }
for label in preprofile-full preprofile-lean build-full build-lean; do
  echo "median $label: $(median "$work/$label.runs" 1) s, peak RSS $(( $(median "$work/$label.runs" 2) / 1024 )) MB"
done
