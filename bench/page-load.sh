#!/usr/bin/env bash
# The web page against a profile of FRAMES distinct functions (default 100,000): sizes and times of
# /v1/summary and /v1/flamegraph (folded at the default min_share, and whole), the page's files,
# and RUNS page loads in headless chromium (Load clicked until the table and the graph are drawn).
# Usage: bench/page-load.sh [FRAMES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" dev.pgofleet.bench.PageLoad "${1:-100000}" "${2:-5}"
