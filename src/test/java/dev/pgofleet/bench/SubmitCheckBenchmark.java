package dev.pgofleet.bench;

import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The submit path's check of one body (gunzip + validation) over the 24 fleet profiles as
 * received, per call: the work a submit worker does before storing. Single-threaded.
 * Run: {@code bench/jmh.sh SubmitCheckBenchmark} (bench/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class SubmitCheckBenchmark {
    List<byte[]> bodies;
    int next;

    @Setup
    public void load() throws IOException {
        bodies = new ArrayList<>();
        for (Path f : TestData.fleet()) {
            bodies.add(Files.readAllBytes(f));
        }
    }

    private byte[] body() {
        next = (next + 1) % bodies.size();
        return bodies.get(next);
    }

    /** What the submit handler runs. */
    @Benchmark
    public byte[] submitCheck() throws InvalidProfileException {
        byte[] b = body();
        CpuProfileCheck.requireValid(b, DecodeLimits.DEFAULT);
        return b;
    }
}
