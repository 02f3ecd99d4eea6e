package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.proto.ProfileProto;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The merger first looks a location up by its address and compares it field by field; whatever
 * that comparison says, the result must be google/pprof's, whose key is the address relative to the
 * mapping, the mapping, the folded flag and the lines (with Go's column slip). Two one-location
 * profiles differing in one field, merged: the table gives how many locations Go keeps (each
 * count checked with {@code go tool pprof -proto} of the same three inputs).
 */
class LocationMatchTest {
    /** One frame: function name, its start line, the line and the column. */
    private record Frame(String function, long startLine, long line, long column) {}

    private record Loc(long mappingStart, long address, boolean folded, List<Frame> frames) {}

    private static final Frame A = new Frame("main.a", 5, 10, 3), B = new Frame("main.b", 15, 20, 4);
    private static final Loc BASE = new Loc(0x400000, 0x401000, false, List.of(A, B));

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("identical", BASE, 1),
                Arguments.of("loaded elsewhere, same offset in the binary", new Loc(0x500000, 0x501000, false, List.of(A, B)), 1),
                Arguments.of("another address", new Loc(0x400000, 0x401004, false, List.of(A, B)), 2),
                Arguments.of("folded", new Loc(0x400000, 0x401000, true, List.of(A, B)), 2),
                Arguments.of("another function", new Loc(0x400000, 0x401000, false, List.of(new Frame("main.c", 5, 10, 3), B)), 2),
                Arguments.of("another start line", new Loc(0x400000, 0x401000, false, List.of(new Frame("main.a", 6, 10, 3), B)), 2),
                Arguments.of("another line", new Loc(0x400000, 0x401000, false, List.of(new Frame("main.a", 5, 11, 3), B)), 2),
                Arguments.of("one line fewer", new Loc(0x400000, 0x401000, false, List.of(A)), 2),
                // Go writes the first line's column where the second line's function goes: it does not count.
                Arguments.of("another column on the first of two lines", new Loc(0x400000, 0x401000, false,
                        List.of(new Frame("main.a", 5, 10, 9), B)), 1),
                Arguments.of("another column on the last line", new Loc(0x400000, 0x401000, false,
                        List.of(A, new Frame("main.b", 15, 20, 9))), 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void mergesAsGooglePprofKeysLocations(String name, Loc second, int locations) throws Exception {
        ProfileMerger merger = new ProfileMerger();
        merger.add(ValidProfile.of(profile(BASE)));
        merger.add(ValidProfile.of(profile(second)));
        merger.add(ValidProfile.of(profile(second))); // a third input meets both in the index
        MergedProfile merged = merger.result();
        assertThat(merged.locations()).hasSize(locations);
        assertThat(merged.samples()).hasSize(locations);
        assertThat(merged.total(0)).isEqualTo(3);
        // The first input's location is the one kept, with its own columns.
        assertThat(merged.locations().get(0).lines()).extracting(MergedProfile.Line::column).containsExactly(3L, 4L);
        if (locations == 2) {
            assertThat(merged.samples().get(1).value(0)).isEqualTo(2);
        }
    }

    /** The strings every test profile starts with: sample types, the mapping's file and build id, the source file. */
    private static List<String> strings() {
        return new ArrayList<>(List.of("", "samples", "count", "cpu", "nanoseconds", "app", "build-1", "main.go"));
    }

    /** A CPU profile's header with one mapping (id 1) of 1 MiB at {@code mappingStart}. */
    private static ProfileProto.Profile.Builder header(long mappingStart) {
        return ProfileProto.Profile.newBuilder()
                .addSampleType(ProfileProto.ValueType.newBuilder().setType(1).setUnit(2))
                .addSampleType(ProfileProto.ValueType.newBuilder().setType(3).setUnit(4))
                .setPeriodType(ProfileProto.ValueType.newBuilder().setType(3).setUnit(4))
                .setPeriod(10_000_000).setTimeNanos(1)
                .addMapping(ProfileProto.Mapping.newBuilder().setId(1).setMemoryStart(mappingStart)
                        .setMemoryLimit(mappingStart + 0x100000).setFilename(5).setBuildId(6));
    }

    private static ProfileProto.Profile profile(Loc loc) {
        List<String> strings = strings();
        ProfileProto.Profile.Builder p = header(loc.mappingStart());
        ProfileProto.Location.Builder l = ProfileProto.Location.newBuilder().setId(1).setMappingId(1)
                .setAddress(loc.address()).setIsFolded(loc.folded());
        for (int i = 0; i < loc.frames().size(); i++) {
            Frame f = loc.frames().get(i);
            strings.add(f.function());
            p.addFunction(ProfileProto.Function.newBuilder().setId(i + 1).setName(strings.size() - 1)
                    .setSystemName(strings.size() - 1).setFilename(7).setStartLine(f.startLine()));
            l.addLine(ProfileProto.Line.newBuilder().setFunctionId(i + 1).setLine(f.line()).setColumn(f.column()));
        }
        return p.addLocation(l).addSample(ProfileProto.Sample.newBuilder().addLocationId(1).addValue(1).addValue(10_000_000))
                .addAllStringTable(strings).build();
    }

    /** A location of one line at an address. */
    private record OneLine(long address, boolean folded, String function, long line, long column) {}

    private static final OneLine X = new OneLine(0x401000, false, "main.a", 10, 3), Y = new OneLine(0x402000, false, "main.c", 30, 1),
            Z = new OneLine(0x403000, false, "main.a", 12, 5);

    /**
     * One-line locations met by address after the source's function was already matched (by the
     * locations before the last): any difference still gives Go's count (X, Y and the variant of
     * Z, merged with X, Y, Z, in both orders).
     */
    static Stream<Arguments> oneLineCases() {
        return Stream.of(
                Arguments.of("identical", Z, 3),
                Arguments.of("another line", new OneLine(0x403000, false, "main.a", 13, 5), 4),
                Arguments.of("another column", new OneLine(0x403000, false, "main.a", 12, 6), 4),
                Arguments.of("folded", new OneLine(0x403000, true, "main.a", 12, 5), 4),
                Arguments.of("another function, already met in this input", new OneLine(0x403000, false, "main.c", 12, 5), 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oneLineCases")
    void comparesOneLineLocationsAsGooglePprofKeysThem(String name, OneLine last, int locations) throws Exception {
        ProfileMerger merger = new ProfileMerger();
        merger.add(ValidProfile.of(profile(List.of(X, Y, Z))));
        merger.add(ValidProfile.of(profile(List.of(X, Y, last))));
        merger.add(ValidProfile.of(profile(List.of(X, Y, last))));
        MergedProfile merged = merger.result();
        assertThat(merged.locations()).hasSize(locations);
        assertThat(merged.samples()).extracting(sample -> sample.value(0)).containsExactlyElementsOf(
                locations == 3 ? List.of(3L, 3L, 3L) : List.of(3L, 3L, 1L, 2L));
        // And the same inputs the other way round: the variant first.
        merger = new ProfileMerger();
        merger.add(ValidProfile.of(profile(List.of(X, Y, last))));
        merger.add(ValidProfile.of(profile(List.of(X, Y, Z))));
        merger.add(ValidProfile.of(profile(List.of(X, Y, Z))));
        assertThat(merger.result().locations()).hasSize(locations);
    }

    private static ProfileProto.Profile profile(List<OneLine> locs) {
        List<String> strings = strings();
        ProfileProto.Profile.Builder p = header(0x400000);
        List<String> functions = new ArrayList<>();
        for (int i = 0; i < locs.size(); i++) {
            OneLine o = locs.get(i);
            if (!functions.contains(o.function())) {
                functions.add(o.function());
                strings.add(o.function());
                p.addFunction(ProfileProto.Function.newBuilder().setId(functions.size()).setName(strings.size() - 1)
                        .setSystemName(strings.size() - 1).setFilename(7).setStartLine(1));
            }
            p.addLocation(ProfileProto.Location.newBuilder().setId(i + 1).setMappingId(1).setAddress(o.address()).setIsFolded(o.folded())
                    .addLine(ProfileProto.Line.newBuilder().setFunctionId(functions.indexOf(o.function()) + 1).setLine(o.line()).setColumn(o.column())));
            p.addSample(ProfileProto.Sample.newBuilder().addLocationId(i + 1).addValue(1).addValue(10_000_000));
        }
        return p.addAllStringTable(strings).build();
    }
}
