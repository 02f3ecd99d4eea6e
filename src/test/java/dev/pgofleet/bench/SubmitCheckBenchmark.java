package dev.pgofleet.bench;

import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.Gzip;
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
 * received, per call: the work a submit worker does before storing; also its two halves, the
 * gunzip and the decode of the inflated bytes. Single-threaded.
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
    /** The same profiles inflated: the check without the gunzip. */
    List<byte[]> inflated;
    int next;

    @Setup
    public void load() throws IOException, InvalidProfileException {
        bodies = new ArrayList<>();
        for (Path f : TestData.fleet()) {
            bodies.add(Files.readAllBytes(f));
        }
        inflated = new ArrayList<>();
        for (byte[] b : bodies) {
            inflated.add(Gzip.gunzip(b, DecodeLimits.DEFAULT.maxDecompressedBytes()));
        }
    }

    private int nextIndex() {
        next = (next + 1) % bodies.size();
        return next;
    }

    /** What the submit handler runs. */
    @Benchmark
    public byte[] submitCheck() throws InvalidProfileException {
        byte[] b = bodies.get(nextIndex());
        CpuProfileCheck.requireValid(b, DecodeLimits.DEFAULT);
        return b;
    }

    /** The gunzip alone. */
    @Benchmark
    public byte[] gunzip() throws InvalidProfileException {
        return Gzip.gunzip(bodies.get(nextIndex()), DecodeLimits.DEFAULT.maxDecompressedBytes());
    }

    /** The protobuf read and the validation alone. */
    @Benchmark
    public byte[] decodeInflated() throws InvalidProfileException {
        byte[] b = inflated.get(nextIndex());
        CpuProfileCheck.requireValid(b, DecodeLimits.DEFAULT);
        return b;
    }
}
