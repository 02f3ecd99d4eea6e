package dev.pgofleet.bench;

import dev.pgofleet.pprof.proto.ProfileProto;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a valid CPU profile of about the requested gzipped size, for load tests with large
 * bodies: the 24-profile fleet merge, with a distinct request label on each sample.
 * Usage: {@code java -cp target/test-classes:target/pgo-fleet.jar dev.pgofleet.bench.BigProfile OUT BYTES}
 */
public final class BigProfile {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        byte[] gz = make(Integer.parseInt(args[1]));
        Files.write(out, gz);
        System.out.println(out + ": " + gz.length + " bytes");
    }

    /** A valid gzipped CPU profile of at least {@code target} bytes. */
    public static byte[] make(int target) {
        ProfileProto.Profile base = TestData.proto(TestData.bytes("golden/fleet-24.pprof"));
        ProfileProto.Profile.Builder b = base.toBuilder();
        b.addStringTable("request");
        long key = b.getStringTableCount() - 1;
        byte[] gz = Profiles.gzip(b.build().toByteArray());
        for (int round = 0; gz.length < target && round < 64; round++) {
            for (int i = 0; i < b.getSampleCount(); i++) {
                b.addStringTable("r" + round + "-" + i + "-" + Long.toHexString(i * 0x9E3779B97F4A7C15L));
                b.getSampleBuilder(i).addLabel(ProfileProto.Label.newBuilder().setKey(key).setStr(b.getStringTableCount() - 1));
            }
            gz = Profiles.gzip(b.build().toByteArray());
        }
        return gz;
    }
}
