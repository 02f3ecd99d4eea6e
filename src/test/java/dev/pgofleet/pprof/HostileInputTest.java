package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every file of testdata/bad and profiles/noncpu gets the outcome the shared README gives it. */
class HostileInputTest {
    /** What the message must say for each rejected case, so a person can tell what is wrong. */
    private static final Map<String, String> REASONS = Map.of(
            "empty", "empty",
            "random-bytes", "not a pprof profile",
            "truncated-gzip", "truncated",
            "gzip-bomb", "larger than the limit",
            "string0-not-empty", "string_table[0] must be empty",
            "location-unknown-function", "does not exist",
            "sample-value-count", "has 1 value, profile has 2 sample types",
            "string-index-out-of-range", "past the end of the string table");

    static Stream<Arguments> cases() throws IOException {
        List<String> rows = Files.readAllLines(TestData.path("bad/cases.tsv"));
        return rows.stream().filter(r -> !r.isBlank()).map(r -> r.split("\t")).map(c -> Arguments.of(c[0], c[1]));
    }

    static ValidProfile check(byte[] data) throws InvalidProfileException {
        return CpuProfileCheck.require(ValidProfile.parse(data, DecodeLimits.DEFAULT));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void badCaseHasItsOutcome(String name, String outcome) {
        byte[] data = TestData.bytes("bad/" + name + ".bin");
        switch (outcome) {
            case "reject" -> assertThatThrownBy(() -> check(data))
                    .isInstanceOf(InvalidProfileException.class)
                    .hasMessageContaining(REASONS.get(name));
            case "accept" -> assertThatCode(data);
            case "any" -> {
                try {
                    check(data);
                } catch (InvalidProfileException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
            default -> throw new AssertionError("unknown outcome " + outcome);
        }
    }

    private static void assertThatCode(byte[] data) {
        try {
            assertThat(check(data).sampleCount()).isPositive();
        } catch (InvalidProfileException e) {
            throw new AssertionError("expected acceptance, got: " + e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"allocs.pprof", "block.pprof", "goroutine.pprof", "heap.pprof", "mutex.pprof"})
    void nonCpuProfilesAreValidButRefused(String file) throws Exception {
        byte[] data = TestData.bytes("profiles/noncpu/" + file);
        ValidProfile.parse(data, DecodeLimits.DEFAULT); // well-formed pprof ...
        assertThatThrownBy(() -> check(data)).hasMessageStartingWith("not a CPU profile"); // ... but not CPU
    }

    @Test
    void textGoroutineDumpIsNotAProfile() {
        assertThatThrownBy(() -> check(TestData.bytes("profiles/noncpu/goroutine-debug1.txt")))
                .isInstanceOf(InvalidProfileException.class);
    }

    @Test
    void aNegativeSampleValueIsNotACpuProfile() {
        var p = TestData.proto(TestData.bytes("profiles/fleet/inst001.pprof")).toBuilder();
        p.getSampleBuilder(2).setValue(1, -10_000_000L);
        byte[] body = p.build().toByteArray();
        assertThatThrownBy(() -> CpuProfileCheck.requireValid(body, DecodeLimits.DEFAULT))
                .isInstanceOf(InvalidProfileException.class)
                .hasMessage("not a CPU profile: sample 3 has a negative value -10000000 (CPU time and counts are never negative)");
    }

    @Test
    void gzipBombIsRefusedWithinTheLimit() {
        DecodeLimits small = new DecodeLimits(1 << 20, 1 << 20);
        long before = usedHeap();
        assertThatThrownBy(() -> ValidProfile.parse(TestData.bytes("bad/gzip-bomb.bin"), small))
                .hasMessageContaining("larger than the limit of 1048576 bytes");
        assertThat(usedHeap() - before).isLessThan(64L << 20);
    }

    @Test
    void bytesAfterTheGzipMemberThatAreNotAMemberAreRefused() throws Exception {
        byte[] good = TestData.bytes("profiles/fleet/inst001.pprof");
        byte[] withJunk = concat(good, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> check(withJunk)).hasMessageContaining("after the gzip stream");
        // Two gzipped profiles: two members, inflated as one protobuf, as Go reads them.
        assertThatThrownBy(() -> check(concat(good, good))).hasMessageContaining("concatenated profiles");
    }

    @Test
    void concatenatedRawProfilesAreRefused() throws Exception {
        byte[] raw = Gzip.gunzip(TestData.bytes("profiles/fleet/inst001.pprof"), 1 << 26);
        assertThatThrownBy(() -> check(concat(raw, raw))).hasMessageContaining("concatenated profiles");
    }

    @Test
    void corruptGzipChecksumIsRefused() {
        byte[] data = TestData.bytes("profiles/fleet/inst001.pprof").clone();
        data[data.length - 6] ^= 0x55;
        assertThatThrownBy(() -> check(data)).hasMessageContaining("checksum");
    }

    /** The output buffer starts at the size the trailer states; a trailer that lies must change nothing but the error. */
    @ParameterizedTest
    @ValueSource(longs = {0, 1, 1000, 0xffffffffL})
    void aGzipTrailerStatingTheWrongSizeIsRefused(long statedSize) throws Exception {
        byte[] data = TestData.bytes("profiles/fleet/inst001.pprof").clone();
        for (int i = 0; i < 4; i++) {
            data[data.length - 4 + i] = (byte) (statedSize >>> (8 * i));
        }
        assertThatThrownBy(() -> check(data)).hasMessage("gzip checksum mismatch: the profile is corrupt");
        assertThatThrownBy(() -> ValidProfile.parse(data, new DecodeLimits(1 << 20, 1000)))
                .hasMessageContaining("larger than the limit of 1000 bytes");
    }

    @Test
    void oversizedBodyIsRefusedBeforeInflating() {
        byte[] data = TestData.bytes("profiles/fleet/inst001.pprof");
        assertThatThrownBy(() -> ValidProfile.parse(data, new DecodeLimits(1000, 1 << 20)))
                .hasMessageContaining("larger than the limit of 1000 bytes");
    }

    @Test
    void negativeDurationIsAcceptedAsByGo() throws Exception {
        var p = TestData.proto(TestData.bytes("profiles/fleet/inst001.pprof")).toBuilder().setDurationNanos(-5).build();
        assertThat(check(p.toByteArray()).durationNanos()).isEqualTo(-5);
    }

    @Test
    void duplicateIdsAreRefused() throws Exception {
        var p = TestData.proto(TestData.bytes("profiles/fleet/inst001.pprof")).toBuilder();
        p.setFunction(1, p.getFunction(1).toBuilder().setId(p.getFunction(0).getId()));
        assertThatThrownBy(() -> check(p.build().toByteArray())).hasMessageStartingWith("two functions have id");
    }

    @Test
    void sampleNamingAMissingLocationIsRefused() throws Exception {
        var p = TestData.proto(TestData.bytes("profiles/fleet/inst001.pprof")).toBuilder();
        p.setSample(0, p.getSample(0).toBuilder().setLocationId(0, 999_999));
        assertThatThrownBy(() -> check(p.build().toByteArray())).hasMessage("sample 1 names location 999999, which does not exist");
    }

    @Test
    void locationNamingAnUnknownMappingHasNone() throws Exception {
        var p = TestData.proto(TestData.bytes("profiles/fleet/inst001.pprof")).toBuilder();
        p.setLocation(0, p.getLocation(0).toBuilder().setMappingId(12345));
        ValidProfile v = check(p.build().toByteArray());
        assertThat(v.locationMapping[0]).isEqualTo(-1);
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
