package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import dev.pgofleet.testing.GoToolchain;
import dev.pgofleet.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Edge-case profiles, one family at a time, hand-written from a real fleet profile: acceptance as
 * google/pprof's Parse + CheckValid decides it (checked against {@code go tool pprof -raw} when Go
 * is present), the CPU check on top, and for accepted ones a merge with an ordinary profile equal
 * to {@code go tool pprof -proto}'s, byte for byte after gunzip, folded one by one and through
 * partials as the collector folds.
 */
class GoFidelityTest {
    @TempDir
    static Path tmp;
    private static final ExecutorService POOL = Executors.newFixedThreadPool(2);

    static final byte[] BASE_GZ = TestData.bytes("profiles/fleet/inst001.pprof");
    static final byte[] BASE = gunzip(BASE_GZ);
    static final Profile BASE_PROTO = TestData.proto(BASE);
    static final int STRINGS = BASE_PROTO.getStringTableCount();
    static final long LOCATION = BASE_PROTO.getLocation(0).getId(), FUNCTION = BASE_PROTO.getFunction(0).getId();
    static final long TIME = BASE_PROTO.getTimeNanos();

    /** google/pprof's verdict (Parse + CheckValid), then the CPU check's, then what to look for. */
    record Case(String name, byte[] bytes, boolean goAccepts, boolean cpuAccepts, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        // Strings are bytes.
        c.add(ok("label value not UTF-8", append(BASE, strings("k", "\u00ff\u00fe"), sample(label(STRINGS, STRINGS + 1)))));
        c.add(ok("function name and file Latin-1", append(BASE, strings("caf\u00e9", "/src/\u00e9t\u00e9.go"),
                function(900_001, STRINGS, STRINGS + 1), location(900_001, 900_001), sampleAt(900_001))));
        c.add(ok("label key not UTF-8 and sorted as bytes", append(BASE, strings("\u00c0", "a", "v"),
                sample(label(STRINGS, STRINGS + 2), label(STRINGS + 1, STRINGS + 2)))));
        // Header sums wrap as Go's int64 does.
        c.add(ok("duration near int64 max", append(BASE, varintField(10, Long.MAX_VALUE - 5))));
        c.add(ok("negative duration", append(BASE, varintField(10, -7))));
        // Lines need a function.
        c.add(bad("line without a function", append(BASE, location(900_002, 0), sampleAt(900_002)),
                "has a line without a function"));
        // Protobuf as Go's decoder reads it.
        c.add(ok("duration_nanos twice, the last wins", append(BASE, varintField(10, 5), varintField(10, 9_000_000_000L))));
        c.add(ok("period twice, the last wins", append(BASE, varintField(12, 20_000_000))));
        c.add(bad("time_nanos twice", append(BASE, varintField(9, TIME + 1)), "concatenated profiles"));
        c.add(ok("time_nanos zero then set", withTimeFirstZero()));
        c.add(ok("field number 0 padding", append(BASE, new byte[] {0, 0, 0, 0})));
        c.add(ok("very large field number", append(BASE, tag(1L << 40, 0), new byte[] {1}, tag((1L << 61) - 1, 2), new byte[] {0})));
        c.add(cpuBad("period_type twice: the second replaces the first", append(BASE, message(11, varintField(1, cpuIndex())))));
        // Labels collide as Go's sample key makes them: a string label "\0" and a number 1 under one key.
        c.add(ok("string and numeric label with the same key bytes", append(BASE, strings("k", "\u0000"),
                sample(label(STRINGS, STRINGS + 1)), sample(numLabel(STRINGS, 1)))));
        c.add(ok("label with an empty string from a second table entry", append(BASE, strings("k", ""),
                sample(label(STRINGS, STRINGS + 1)))));
        c.add(ok("numeric label 0 without unit, dropped by the decoder", append(BASE, strings("n"), sample(numLabel(STRINGS, 0)))));
        // Gzip as Go's compress/gzip reads it.
        c.add(ok("two gzip members", concat(gzipMember(BASE, 0, 20_000, 0, null), gzipMember(BASE, 20_000, BASE.length - 20_000, 0, null))));
        c.add(ok("an empty gzip member after the profile", concat(BASE_GZ, gzipMember(BASE, 0, 0, 0, null))));
        c.add(ok("gzip header with CRC, name and comment", gzipMember(BASE, 0, BASE.length, 0x02 | 0x08 | 0x10, "n\u00e9".repeat(255))));
        c.add(bad("gzip header CRC wrong", corruptHeaderCrc(gzipMember(BASE, 0, BASE.length, 0x02, null)), "header checksum"));
        c.add(bad("gzip file name of 512 bytes", gzipMember(BASE, 0, BASE.length, 0x08, "x".repeat(512)), "longer than 511"));
        c.add(ok("gzip file name of 511 bytes", gzipMember(BASE, 0, BASE.length, 0x08, "x".repeat(511))));
        c.add(ok("gzip reserved flag bits", gzipMember(BASE, 0, BASE.length, 0xe0, null)));
        c.add(bad("junk after the gzip member", concat(BASE_GZ, new byte[] {0x1f, (byte) 0x8b, 8}), "after the gzip stream"));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void acceptanceIsGoogleProfilesAndTheMergeIsGos(Case c) throws Exception {
        Path file = tmp.resolve(c.name.replaceAll("[^A-Za-z0-9]+", "-") + ".pprof");
        Files.write(file, c.bytes);
        if (c.goAccepts) {
            ValidProfile p = ValidProfile.parse(c.bytes, DecodeLimits.DEFAULT);
            if (c.cpuAccepts) {
                CpuProfileCheck.requireValid(c.bytes, DecodeLimits.DEFAULT);
            } else {
                assertThatThrownBy(() -> CpuProfileCheck.require(p)).isInstanceOf(InvalidProfileException.class)
                        .hasMessageStartingWith("not a CPU profile");
            }
        } else {
            assertThatThrownBy(() -> ValidProfile.parse(c.bytes, DecodeLimits.DEFAULT)).isInstanceOf(InvalidProfileException.class)
                    .hasMessageContaining(c.reason);
        }
        GoToolchain go = goOrNull();
        if (go == null) {
            return;
        }
        String refusal = goRefusal(go, file);
        assertThat(refusal == null).as("go tool pprof -raw accepts %s: %s", c.name, refusal).isEqualTo(c.goAccepts);
        if (c.goAccepts) {
            Path base = tmp.resolve("base.pprof");
            Files.write(base, BASE_GZ);
            // A profile the CPU check refuses is merged with itself only (its period type differs).
            List<Path> inputs = c.cpuAccepts ? List.of(file, base, file) : List.of(file, file, file);
            Path theirs = tmp.resolve(file.getFileName() + ".go-merge");
            go.run(tmp, 120, "tool", "pprof", "-proto", "-symbolize=none", "-output", theirs.toString(),
                    inputs.get(0).toString(), inputs.get(1).toString(), inputs.get(2).toString());
            byte[] expected = gunzip(Files.readAllBytes(theirs));
            byte[] oneByOne = ProfileWriter.encode(ParallelFold.mergeFiles(inputs, DecodeLimits.DEFAULT, false, 1, n -> {}), false);
            assertThat(oneByOne).as("merge folded one by one equals go tool pprof -proto").isEqualTo(expected);
            ProfileMerger grouped = new ProfileMerger(true);
            ParallelFold.fold(inputs, grouped, DecodeLimits.DEFAULT, false, POOL, 8, 3, ParallelFold.FAIL, n -> {});
            assertThat(ProfileWriter.encode(grouped.result(), false)).as("merge through a partial equals go tool pprof -proto")
                    .isEqualTo(expected);
        }
    }

    /**
     * Real profiles with bytes that are not UTF-8, recorded by a Go program (src/test/go/oddbytes):
     * a label key and value of arbitrary bytes, the binary run from a directory whose name is not
     * UTF-8. Accepted, and merged as go tool pprof -proto merges them, to the byte.
     */
    @Test
    void profilesRecordedByGoWithBytesThatAreNotUtf8() throws Exception {
        GoToolchain go = GoToolchain.require(tmp);
        Path work = tmp.resolve("oddbytes");
        Files.createDirectories(work);
        for (String f : List.of("go.mod", "main.go")) {
            Files.copy(Path.of("src/test/go/oddbytes").resolve(f), work.resolve(f));
        }
        go.run(work, 300, "build", "-o", "prog", ".");
        List<Path> recorded = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            Path p = work.resolve("odd" + i + ".pprof");
            GoToolchain.Exec.run(work, 60, Map.of(), List.of(work.resolve("prog").toString(), "-reexec-in", work.toString(),
                    "-cpuprofile", p.toString()));
            recorded.add(p);
        }
        for (Path p : recorded) {
            byte[] data = Files.readAllBytes(p);
            CpuProfileCheck.requireValid(data, DecodeLimits.DEFAULT);
            ValidProfile v = ValidProfile.parse(data, DecodeLimits.DEFAULT);
            assertThat(v.mappingFile[0]).as("main binary under a non-UTF-8 directory").contains("/bin\u00ff\u00fe/prog\u00e9");
            assertThat(Stream.of(v.sampleLabels).anyMatch(l -> l.stringKeyCount() == 2 && l.stringKey(0).equals("k\u00ff")
                    && l.stringValues(0).equals(List.of("\u00ff\u00fe")))).as("label of arbitrary bytes").isTrue();
        }
        List<Path> inputs = List.of(recorded.get(0), TestData.path("profiles/fleet/inst001.pprof").toAbsolutePath(), recorded.get(1));
        Path theirs = tmp.resolve("odd.go-merge");
        go.run(tmp, 120, "tool", "pprof", "-proto", "-symbolize=none", "-output", theirs.toString(),
                inputs.get(0).toString(), inputs.get(1).toString(), inputs.get(2).toString());
        ProfileMerger grouped = new ProfileMerger(true);
        ParallelFold.fold(inputs, grouped, DecodeLimits.DEFAULT, true, POOL, 8, 3, ParallelFold.FAIL, n -> {});
        assertThat(ProfileWriter.encode(grouped.result(), false)).isEqualTo(gunzip(Files.readAllBytes(theirs)));
    }

    @Test
    void legacyCpuProfilesAreRefusedWithTheReason() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (long w : new long[] {0, 3, 0, 10_000, 0, 1, 1, 0x401000, 0, 1, 0}) {
            for (int i = 0; i < 8; i++) {
                b.write((int) (w >>> (8 * i)));
            }
        }
        assertThatThrownBy(() -> ValidProfile.parse(b.toByteArray(), DecodeLimits.DEFAULT))
                .hasMessageStartingWith("legacy binary CPU profile (Go before 1.9) is not accepted");
    }

    @Test
    void stringsKeepTheirBytesThroughMergeAndStripLabels() throws Exception {
        byte[] odd = append(BASE, strings("k\u00ff", "\u00fe\u0000v"), sample(label(STRINGS, STRINGS + 1)));
        ProfileMerger m = new ProfileMerger(true);
        m.add(ValidProfile.parse(odd, DecodeLimits.DEFAULT));
        byte[] out = ProfileWriter.encode(m.result(), false);
        assertThat(indexOf(out, new byte[] {'k', (byte) 0xff})).isPositive();
        assertThat(indexOf(out, new byte[] {(byte) 0xfe, 0, 'v'})).isPositive();
        assertThat(ValueType.CPU_NANOS.toString()).isEqualTo("cpu/nanoseconds");
        assertThat(GoString.display("caf\u00c3\u00a9")).isEqualTo("café");
    }

    @AfterAll
    static void stop() {
        POOL.shutdownNow();
    }

    private static GoToolchain goCache;
    private static boolean looked;

    @BeforeAll
    static void noGoYet() {
        looked = false;
    }

    private static synchronized GoToolchain goOrNull() {
        if (!looked) {
            looked = true;
            try {
                goCache = GoToolchain.require(tmp);
            } catch (org.opentest4j.TestAbortedException e) {
                goCache = null;
            }
        }
        return goCache;
    }

    /** Null when go tool pprof reads the file, else what it said. */
    private static String goRefusal(GoToolchain go, Path file) {
        try {
            go.exec(tmp, 120, Map.of(), "tool", "pprof", "-raw", "-symbolize=none", file.toString());
            return null;
        } catch (AssertionError refused) {
            return refused.getMessage();
        }
    }

    // --- hand-written protobuf ---

    static Case ok(String name, byte[] b) {
        return new Case(name, b, true, true, null);
    }

    static Case cpuBad(String name, byte[] b) {
        return new Case(name, b, true, false, null);
    }

    static Case bad(String name, byte[] b, String reason) {
        return new Case(name, b, false, false, reason);
    }

    static long cpuIndex() {
        return BASE_PROTO.getStringTableList().indexOf("cpu");
    }

    static byte[] withTimeFirstZero() {
        return concat(varintField(9, 0), BASE);
    }

    static byte[] tag(long field, int wire) {
        ProtoSink s = new ProtoSink(16);
        s.varint(field << 3 | wire);
        return s.toByteArray();
    }

    static byte[] varintField(int field, long v) {
        ProtoSink s = new ProtoSink(16);
        s.int64(field, v);
        return s.toByteArray();
    }

    static byte[] message(int field, byte[]... parts) {
        byte[] body = concat(parts);
        return concat(tag(field, 2), varint(body.length), body);
    }

    static byte[] varint(long v) {
        ProtoSink s = new ProtoSink(16);
        s.varint(v);
        return s.toByteArray();
    }

    /** String table entries, one char per byte. */
    static byte[] strings(String... s) {
        ProtoSink out = new ProtoSink(64);
        for (String x : s) {
            out.string(6, x);
        }
        return out.toByteArray();
    }

    static byte[] label(long key, long str) {
        return message(3, varintField(1, key), varintField(2, str));
    }

    static byte[] numLabel(long key, long num) {
        return message(3, varintField(1, key), varintField(3, num));
    }

    /** A sample at the base's first location, values (1, 10 ms), with the given labels. */
    static byte[] sample(byte[]... labels) {
        return message(2, concat(varintField(1, LOCATION), varintField(2, 1), varintField(2, 10_000_000), concat(labels)));
    }

    static byte[] sampleAt(long location) {
        return message(2, varintField(1, location), varintField(2, 1), varintField(2, 10_000_000));
    }

    static byte[] function(long id, long name, long file) {
        return message(5, varintField(1, id), varintField(2, name), varintField(3, name), varintField(4, file), varintField(5, 7));
    }

    /** A location with one line, at a function when {@code function} is not 0. */
    static byte[] location(long id, long function) {
        byte[] line = function == 0 ? message(4, varintField(2, 12)) : message(4, varintField(1, function), varintField(2, 12));
        return message(4, varintField(1, id), varintField(3, 0x7000 + id), line);
    }

    static byte[] append(byte[] base, byte[]... parts) {
        return concat(base, concat(parts));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** One gzip member of {@code data[off, off+len)} with the given header flags (name and comment both {@code text}). */
    static byte[] gzipMember(byte[] data, int off, int len, int flags, String text) {
        byte[] plain = Gzip.gzip(data, off, len);
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, (byte) flags, 0, 0, 0, 0, 0, (byte) 0xff});
        if ((flags & 0x08) != 0) {
            h.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
            h.write(0);
        }
        if ((flags & 0x10) != 0) {
            h.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
            h.write(0);
        }
        if ((flags & 0x02) != 0) {
            CRC32 crc = new CRC32();
            byte[] soFar = h.toByteArray();
            crc.update(soFar);
            h.write((int) crc.getValue());
            h.write((int) crc.getValue() >>> 8);
        }
        h.write(plain, 10, plain.length - 10);
        return h.toByteArray();
    }

    static byte[] corruptHeaderCrc(byte[] member) {
        byte[] b = member.clone();
        b[10] ^= 1;
        return b;
    }

    static byte[] gunzip(byte[] gz) {
        try {
            return Gzip.gunzip(gz, Integer.MAX_VALUE - 8);
        } catch (InvalidProfileException e) {
            throw new AssertionError(e);
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
