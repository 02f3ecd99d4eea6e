#!/usr/bin/env bash
# Submit throughput and merge latency: the collector on the directory store and on S3 (s3proxy in
# the same JVM, filesystem backend), same machine, same run (dev.pgofleet.bench.S3Bench).
# Usage: bench/s3-vs-dir.sh [seconds per store] [connections]   e.g. bench/s3-vs-dir.sh 20 16
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath -Dmdep.includeScope=test
java -cp "target/test-classes:target/classes:$(cat target/test-classpath)" dev.pgofleet.bench.S3Bench \
  --seconds "${1:-20}" --connections "${2:-16}"
