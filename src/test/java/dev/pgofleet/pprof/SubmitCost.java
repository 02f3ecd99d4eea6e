package dev.pgofleet.pprof;

import dev.pgofleet.testing.TestData;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where the CPU of one accepted profile goes, stage by stage, on one thread: inflate, protobuf
 * read, validation, the fold into an hour's merge, and the write + fsync of the raw file (thread
 * CPU time; the fsync's wall time is printed apart, it is mostly waiting). The 24 fleet profiles
 * as received, in turn; median per profile of each round after warm-up rounds. HTTP is not here:
 * bench/load.sh reports the collector's whole CPU per accepted profile.
 *
 * <pre>java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.pprof.SubmitCost [rounds] [warm-up rounds]</pre>
 */
public final class SubmitCost {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final String[] STAGES = {"inflate", "protobuf read", "validate", "fold", "write+fsync (cpu)",
        "write+fsync (wall)", "encode rollup per profile (cpu)"};

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20, warm = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        List<byte[]> bodies = new ArrayList<>();
        for (Path f : TestData.fleet()) {
            bodies.add(Files.readAllBytes(f));
        }
        Path dir = Files.createTempDirectory("submit-cost");
        long[][] perRound = new long[STAGES.length][rounds];
        int perRoundProfiles = 256;
        try {
            for (int r = -warm; r < rounds; r++) {
                long[] sum = new long[STAGES.length];
                ProfileMerger hour = new ProfileMerger(true);
                for (int i = 0; i < perRoundProfiles; i++) {
                    byte[] body = bodies.get(i % bodies.size());
                    long t0 = CPU.getCurrentThreadCpuTime();
                    byte[] raw = Gzip.gunzip(body, DecodeLimits.DEFAULT.maxDecompressedBytes());
                    long t1 = CPU.getCurrentThreadCpuTime();
                    WireProfile.read(raw);
                    long t2 = CPU.getCurrentThreadCpuTime();
                    ValidProfile p = CpuProfileCheck.require(ValidProfile.fromRaw(raw));
                    long t3 = CPU.getCurrentThreadCpuTime();
                    hour.add(p);
                    long t4 = CPU.getCurrentThreadCpuTime();
                    long w0 = System.nanoTime();
                    write(dir.resolve("p" + i), body);
                    long w1 = System.nanoTime();
                    long t5 = CPU.getCurrentThreadCpuTime();
                    sum[0] += t1 - t0;
                    sum[1] += t2 - t1;
                    // fromRaw reads the protobuf again: validation is what it costs beyond the read
                    sum[2] += Math.max(0, (t3 - t2) - (t2 - t1));
                    sum[3] += t4 - t3;
                    sum[4] += t5 - t4;
                    sum[5] += w1 - w0;
                }
                long e0 = CPU.getCurrentThreadCpuTime();
                ProfileWriter.write(hour.result());
                sum[6] = CPU.getCurrentThreadCpuTime() - e0;
                for (int i = 0; i < perRoundProfiles; i++) {
                    Files.delete(dir.resolve("p" + i));
                }
                if (r >= 0) {
                    for (int s = 0; s < STAGES.length; s++) {
                        perRound[s][r] = sum[s] / perRoundProfiles;
                    }
                }
            }
        } finally {
            Files.deleteIfExists(dir);
        }
        System.out.printf("%d rounds of %d fleet profiles after %d warm-up rounds; median (p25-p75) per profile, microseconds%n",
                rounds, perRoundProfiles, warm);
        for (int s = 0; s < STAGES.length; s++) {
            long[] v = perRound[s].clone();
            Arrays.sort(v);
            System.out.printf("%-32s %7.1f (%.1f-%.1f)%n", STAGES[s], v[v.length / 2] / 1e3, v[v.length / 4] / 1e3,
                    v[v.length * 3 / 4] / 1e3);
        }
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }
}
