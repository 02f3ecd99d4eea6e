package dev.pgofleet.bench;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.testing.TestData;
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
 * Merge of 1,008 real fleet profiles (the 24 fixtures, 42 times over; 22.8 MB gzipped) held in
 * memory, against a parse-only baseline over the same bytes. Single-threaded, so the figures are
 * per core. Run: {@code bench/jmh.sh} (figures in bench/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
public class MergeBenchmark {
    public static final int COPIES = 42;
    List<byte[]> inputs;

    @Setup
    public void load() throws Exception {
        inputs = new ArrayList<>();
        for (int i = 0; i < COPIES; i++) {
            for (Path p : TestData.fleet()) {
                inputs.add(Files.readAllBytes(p));
            }
        }
    }

    /** Decode (gunzip + wire) and validate every input: the floor under any merge. */
    @Benchmark
    public int parseOnly() throws InvalidProfileException {
        int samples = 0;
        for (byte[] b : inputs) {
            samples += ValidProfile.parse(b, DecodeLimits.DEFAULT).sampleCount();
        }
        return samples;
    }

    /** Decode, validate and fold every input, then write the merged profile. */
    @Benchmark
    public byte[] merge() throws InvalidProfileException {
        ProfileMerger merger = new ProfileMerger();
        for (byte[] b : inputs) {
            merger.add(ValidProfile.parse(b, DecodeLimits.DEFAULT));
        }
        MergedProfile m = merger.result();
        return ProfileWriter.write(m);
    }
}
