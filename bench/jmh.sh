#!/usr/bin/env bash
# Runs the JMH benchmarks (src/test/java/dev/pgofleet/bench) with the GC profiler, which reports
# allocation per operation. Usage: bench/jmh.sh [JMH options], e.g. bench/jmh.sh MergeBenchmark -f 1
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" org.openjdk.jmh.Main -prof gc "$@"
