#!/usr/bin/env bash
# A new user's first minutes: runs the README's "Try it" commands as written, in a fresh copy of
# the repository's tracked files (as a clean clone has them), and checks what each one promises.
#   bench/walkthrough.sh            # needs Java 17, Maven, Go >= 1.21 and curl on PATH; port 8080 free
#   PORT=18080 bench/walkthrough.sh # the same on another port (8080 in the commands is replaced)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8080}
work=$(mktemp -d)
collector=
cleanup() {
  if [ -n "$collector" ]; then kill -TERM "$collector" 2>/dev/null || true; wait "$collector" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/quickstart.log" ] && sed 's/^/  quickstart: /' "$work/quickstart.log" >&2; exit 1; }

(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$work")
cd "$work"
# The fenced bash blocks of the "Try it" section, one command per line, comments dropped.
blocks=$(awk '/^## Try it/{on=1; next} /^## /{on=0} on' README.md | awk '
  /^```bash/{inblock=1; n++; next} /^```/{inblock=0; next}
  inblock && !/^#/ && NF {print n "\t" $0}')
lines() { printf '%s\n' "$blocks" | awk -F'\t' -v b="$1" '$1==b {print $2}' | sed "s/:8080/:$port/g"; }

echo "== block 1: build, then quickstart (it holds the terminal: run in the background here)"
build=$(lines 1 | sed -n 1p); quick=$(lines 1 | sed -n 2p)
[ "$quick" = "java -jar target/pgo-fleet.jar quickstart" ] || fail "block 1 changed: $quick"
echo "\$ $build"; bash -c "$build" || fail "build"
echo "\$ $quick"
PGOF_BIND_ADDRESS=127.0.0.1:$port bash -c "exec $quick" >"$work/quickstart.out" 2>"$work/quickstart.log" &
collector=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$collector" 2>/dev/null || fail "quickstart exited"
  sleep 0.2
done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || fail "collector not up"
[ "$(stat -c %a dev-keys/submit_keys)" = 600 ] || fail "submit_keys is not 0600"
[ "$(stat -c %a dev-keys/merge_keys)" = 600 ] || fail "merge_keys is not 0600"
grep -q 'until Ctrl-C' quickstart.out || fail "quickstart does not say it holds the terminal"

echo "== block 2: the export lines quickstart printed"
exports=$(grep -E '^  export (SUBMIT|MERGE)_KEY=[0-9a-f]+$' quickstart.out) || fail "no export lines"
[ "$(printf '%s\n' "$exports" | wc -l)" = 2 ] || fail "expected two export lines"
eval "$exports"
export SUBMIT_KEY MERGE_KEY

echo "== on an empty store, the fetch of block 3 leaves no default.pgo (exit 3) and curl --fail writes none"
fetch=$(lines 3 | grep ' fetch ')
set +e; bash -c "$fetch"; code=$?; set -e
[ "$code" = 3 ] || fail "fetch on an empty store: exit $code, expected 3"
[ ! -e default.pgo ] || fail "fetch wrote default.pgo on an empty store"
merge_curl=$(lines 4 | grep '/v1/merge')
set +e; bash -c "$merge_curl"; code=$?; set -e
[ "$code" = 22 ] || fail "curl --fail merge on an empty store: exit $code, expected 22"
[ ! -e default.pgo ] || fail "curl wrote default.pgo on an empty store"

echo "== block 3 and block 4, as written"
while IFS= read -r cmd; do
  echo "\$ $cmd"; bash -c "$cmd" || fail "$cmd"
done < <(lines 3; lines 4)
[ -s default.pgo ] || fail "no default.pgo"
stored=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^pgof_submits_total\{outcome="accepted",service="default"\}/{print $2}')
[ "$stored" = 2.0 ] || fail "expected 2 accepted submits, metrics say $stored"
echo "OK: every Try it command ran as written"
