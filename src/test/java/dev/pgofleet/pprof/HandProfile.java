package dev.pgofleet.pprof;

import dev.pgofleet.pprof.proto.ProfileProto;
import java.util.HashMap;
import java.util.Map;

/** Hand-made CPU profiles for table tests: functions, locations (lines leaf first) and samples by id. */
final class HandProfile {
    private final ProfileProto.Profile.Builder b = ProfileProto.Profile.newBuilder();
    private final Map<String, Long> strings = new HashMap<>();

    HandProfile() {
        str("");
        b.addSampleType(ProfileProto.ValueType.newBuilder().setType(str("samples")).setUnit(str("count")));
        b.addSampleType(ProfileProto.ValueType.newBuilder().setType(str("cpu")).setUnit(str("nanoseconds")));
        b.setPeriodType(ProfileProto.ValueType.newBuilder().setType(str("cpu")).setUnit(str("nanoseconds")));
        b.setPeriod(10_000_000);
        b.setDurationNanos(1_000_000_000);
        b.setTimeNanos(1_700_000_000_000_000_000L);
    }

    private long str(String s) {
        return strings.computeIfAbsent(s, x -> {
            b.addStringTable(x);
            return (long) b.getStringTableCount() - 1;
        });
    }

    HandProfile mapping(long id, String file) {
        b.addMapping(ProfileProto.Mapping.newBuilder().setId(id).setMemoryStart(0x400000L * id).setMemoryLimit(0x400000L * id + 0x100000)
                .setFilename(str(file)).setHasFunctions(true));
        return this;
    }

    HandProfile function(long id, String name, long startLine) {
        b.addFunction(ProfileProto.Function.newBuilder().setId(id).setName(str(name)).setSystemName(str(name))
                .setFilename(str("/src/" + name.replace('.', '/') + ".go")).setStartLine(startLine));
        return this;
    }

    /** A location; {@code functionAndLine} holds (function id, line) pairs, the innermost inlined frame first. */
    HandProfile location(long id, long mapping, long address, long... functionAndLine) {
        ProfileProto.Location.Builder l = ProfileProto.Location.newBuilder().setId(id).setMappingId(mapping).setAddress(address);
        for (int i = 0; i < functionAndLine.length; i += 2) {
            l.addLine(ProfileProto.Line.newBuilder().setFunctionId(functionAndLine[i]).setLine(functionAndLine[i + 1]));
        }
        b.addLocation(l);
        return this;
    }

    /** A sample of {@code count} samples (and count * 10 ms); {@code label} "" for none; stack leaf first. */
    HandProfile sample(long count, String label, long... stack) {
        ProfileProto.Sample.Builder s = ProfileProto.Sample.newBuilder().addValue(count).addValue(count * 10_000_000);
        for (long id : stack) {
            s.addLocationId(id);
        }
        if (!label.isEmpty()) {
            s.addLabel(ProfileProto.Label.newBuilder().setKey(str("endpoint")).setStr(str(label)));
        }
        b.addSample(s);
        return this;
    }

    byte[] bytes() {
        return b.build().toByteArray();
    }

    /** The profile merged alone, as the collector holds it. */
    MergedProfile merged() throws InvalidProfileException {
        ProfileMerger m = new ProfileMerger();
        m.add(ValidProfile.parse(bytes(), DecodeLimits.DEFAULT));
        return m.result();
    }
}
