package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.proto.ProfileProto;
import dev.pgofleet.testing.TestData;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A seeded, structure-aware mutator over the fixture profiles. For every mutant: the parse and
 * validate path either accepts or throws {@link InvalidProfileException} (nothing else escapes),
 * in bounded time, and an accepted one merges and encodes.
 */
class ProfileFuzzTest {
    private static final List<String> SEEDS = List.of("profiles/fleet/inst002.pprof", "profiles/std/regexp.pprof",
            "profiles/compiler/nethttp.pprof", "profiles/upstream-cpu.pgo");
    /** The fixtures, and GoFidelityTest's hand-written edge cases in raw protobuf. */
    private static final List<byte[]> SEED_BYTES = seedBytes();
    static final int ITERATIONS = Integer.getInteger("pgof.fuzz.iterations", 4000);

    @Test
    void mutantsAreRefusedCleanlyOrMerge() throws Exception {
        Random rnd = new Random(Long.getLong("pgof.fuzz.seed", 20261125L));
        int accepted = 0, refused = 0;
        long start = System.nanoTime(), slowest = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] seed = SEED_BYTES.get(rnd.nextInt(SEED_BYTES.size()));
            byte[] mutant = rnd.nextBoolean() ? mutateBytes(seed, rnd) : mutateFields(seed, rnd);
            long t0 = System.nanoTime();
            try {
                ValidProfile p = CpuProfileCheck.require(ValidProfile.parse(mutant, DecodeLimits.DEFAULT));
                ProfileMerger m = new ProfileMerger(true);
                m.add(p);
                ProfileWriter.write(m.result());
                accepted++;
            } catch (InvalidProfileException expected) {
                assertThat(expected.getMessage()).isNotBlank();
                refused++;
            }
            slowest = Math.max(slowest, System.nanoTime() - t0);
        }
        System.out.printf("fuzzed %d inputs in %d ms: %d accepted, %d refused, slowest input %d ms%n",
                ITERATIONS, (System.nanoTime() - start) / 1_000_000, accepted, refused, slowest / 1_000_000);
        assertThat(slowest).as("every input finishes in bounded time").isLessThan(2_000_000_000L);
        assertThat(refused).isPositive();
        assertThat(accepted).isPositive();
    }

    private static List<byte[]> seedBytes() {
        List<byte[]> seeds = new java.util.ArrayList<>();
        try {
            for (String f : SEEDS) {
                seeds.add(Gzip.gunzip(TestData.bytes(f), 1 << 26));
            }
        } catch (InvalidProfileException e) {
            throw new AssertionError(e);
        }
        GoFidelityTest.cases().map(GoFidelityTest.Case::bytes).filter(b -> !Gzip.isGzip(b)).forEach(seeds::add);
        return List.copyOf(seeds);
    }

    static byte[] mutateBytes(byte[] in, Random rnd) {
        byte[] b = in.clone();
        int ops = 1 + rnd.nextInt(4);
        for (int k = 0; k < ops && b.length > 2; k++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                case 2 -> b = java.util.Arrays.copyOf(b, at); // truncate
                case 3 -> { // duplicate a slice
                    int len = Math.min(b.length - at, 1 + rnd.nextInt(64));
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, at + len);
                    System.arraycopy(b, at, c, at + len, b.length - at);
                    b = c;
                }
                default -> b[at] = (byte) 0x80; // a varint that never ends
            }
        }
        return b;
    }

    static byte[] mutateFields(byte[] raw, Random rnd) throws Exception {
        ProfileProto.Profile.Builder p;
        try {
            p = ProfileProto.Profile.parseFrom(raw).toBuilder();
        } catch (com.google.protobuf.InvalidProtocolBufferException notForTheGeneratedReader) {
            return mutateBytes(raw, rnd); // strings that are not UTF-8, or Go-only wire forms
        }
        int ops = 1 + rnd.nextInt(3);
        for (int k = 0; k < ops; k++) {
            long wild = switch (rnd.nextInt(5)) {
                case 0 -> 0;
                case 1 -> -1;
                case 2 -> p.getStringTableCount();
                case 3 -> Long.MAX_VALUE;
                default -> rnd.nextInt(2000);
            };
            switch (rnd.nextInt(12)) {
                case 0 -> { if (p.getSampleCount() > 0) { int i = rnd.nextInt(p.getSampleCount()); p.getSampleBuilder(i).addValue(wild); } }
                case 1 -> { if (p.getSampleCount() > 0) { var s = p.getSampleBuilder(rnd.nextInt(p.getSampleCount())); if (s.getLocationIdCount() > 0) s.setLocationId(0, wild); } }
                case 2 -> { if (p.getLocationCount() > 0) p.getLocationBuilder(rnd.nextInt(p.getLocationCount())).setId(wild); }
                case 3 -> { if (p.getFunctionCount() > 0) p.getFunctionBuilder(rnd.nextInt(p.getFunctionCount())).setName(wild); }
                case 4 -> { if (p.getLocationCount() > 0) { var l = p.getLocationBuilder(rnd.nextInt(p.getLocationCount())); if (l.getLineCount() > 0) l.getLineBuilder(0).setFunctionId(wild); } }
                case 5 -> { if (p.getMappingCount() > 0) p.getMappingBuilder(rnd.nextInt(p.getMappingCount())).setId(wild); }
                case 6 -> p.getPeriodTypeBuilder().setType(wild);
                case 7 -> p.setDurationNanos(wild);
                case 8 -> { if (p.getSampleTypeCount() > 0) p.getSampleTypeBuilder(rnd.nextInt(p.getSampleTypeCount())).setUnit(wild); }
                case 9 -> p.addComment(wild);
                case 10 -> { if (p.getSampleCount() > 0) p.getSampleBuilder(rnd.nextInt(p.getSampleCount())).addLabel(
                        ProfileProto.Label.newBuilder().setKey(wild).setStr(rnd.nextInt(5)).setNumUnit(rnd.nextInt(3))); }
                default -> { if (p.getFunctionCount() > 1) p.getFunctionBuilder(1).setId(p.getFunction(0).getId()); }
            }
        }
        return p.build().toByteArray();
    }
}
