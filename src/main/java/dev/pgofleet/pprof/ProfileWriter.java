package dev.pgofleet.pprof;

import dev.pgofleet.pprof.MergedProfile.Function;
import dev.pgofleet.pprof.MergedProfile.Line;
import dev.pgofleet.pprof.MergedProfile.Location;
import dev.pgofleet.pprof.MergedProfile.Mapping;
import dev.pgofleet.pprof.MergedProfile.Sample;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes a merged profile exactly as google/pprof's {@code Profile.Write} does: the same string
 * table order, field order and packing, so the uncompressed bytes equal Go's and the output is
 * deterministic.
 */
public final class ProfileWriter {
    private final Map<String, Integer> strings = new HashMap<>();
    private final boolean dropLabels;

    private ProfileWriter(boolean dropLabels) {
        this.dropLabels = dropLabels;
        index("");
    }

    /** Gzipped protobuf, the form every pprof tool reads. */
    public static byte[] write(MergedProfile p) {
        byte[] raw = encode(p, false);
        return Gzip.gzip(raw, 0, raw.length);
    }

    /** Uncompressed protobuf; with {@code dropLabels} every sample is written without its labels. */
    public static byte[] encode(MergedProfile p, boolean dropLabels) {
        return new ProfileWriter(dropLabels).encode(p);
    }

    private long index(String s) {
        Integer i = strings.get(s);
        if (i == null) {
            i = strings.size();
            strings.put(s, i);
        }
        return i;
    }

    private byte[] encode(MergedProfile p) {
        // String indexes are assigned in the order Go's preEncode visits them.
        long[] sampleTypeX = new long[p.sampleTypes().size() * 2];
        for (int i = 0; i < p.sampleTypes().size(); i++) {
            sampleTypeX[2 * i] = index(p.sampleTypes().get(i).type());
            sampleTypeX[2 * i + 1] = index(p.sampleTypes().get(i).unit());
        }
        ProtoSink out = new ProtoSink(64 * 1024 + p.samples().size() * 64);
        ProtoSink msg = new ProtoSink(256);
        ProtoSink sub = new ProtoSink(64);
        for (int i = 0; i < p.sampleTypes().size(); i++) {
            msg.clear();
            msg.int64Opt(1, sampleTypeX[2 * i]);
            msg.int64Opt(2, sampleTypeX[2 * i + 1]);
            out.message(1, msg);
        }
        long[] ids = new long[16];
        for (Sample s : p.samples()) {
            msg.clear();
            List<Location> locs = s.locations();
            if (ids.length < Math.max(locs.size(), s.valueCount())) {
                ids = new long[Math.max(locs.size(), s.valueCount()) * 2];
            }
            for (int i = 0; i < locs.size(); i++) {
                ids[i] = locs.get(i).id();
            }
            msg.int64s(1, ids, locs.size());
            msg.int64s(2, s.values, s.valueCount());
            if (!dropLabels) {
                writeLabels(msg, sub, s.labels());
            }
            out.message(2, msg);
        }
        long[] mappingFileX = new long[p.mappings().size()], mappingBuildX = new long[p.mappings().size()];
        for (int i = 0; i < p.mappings().size(); i++) {
            mappingFileX[i] = index(p.mappings().get(i).file());
            mappingBuildX[i] = index(p.mappings().get(i).buildId());
        }
        long[] fnX = new long[p.functions().size() * 3];
        for (int i = 0; i < p.functions().size(); i++) {
            Function f = p.functions().get(i);
            fnX[3 * i] = index(f.name());
            fnX[3 * i + 1] = index(f.systemName());
            fnX[3 * i + 2] = index(f.filename());
        }
        long dropX = index(p.dropFrames()), keepX = index(p.keepFrames());
        long periodTypeX = index(p.periodType().type()), periodUnitX = index(p.periodType().unit());
        long[] commentX = new long[p.comments().size()];
        for (int i = 0; i < commentX.length; i++) {
            commentX[i] = index(p.comments().get(i));
        }
        long defaultX = index(p.defaultSampleType());

        for (int i = 0; i < p.mappings().size(); i++) {
            Mapping m = p.mappings().get(i);
            msg.clear();
            msg.int64Opt(1, m.id());
            msg.int64Opt(2, m.start());
            msg.int64Opt(3, m.limit());
            msg.int64Opt(4, m.offset());
            msg.int64Opt(5, mappingFileX[i]);
            msg.int64Opt(6, mappingBuildX[i]);
            msg.boolOpt(7, m.hasFunctions());
            msg.boolOpt(8, m.hasFilenames());
            msg.boolOpt(9, m.hasLineNumbers());
            msg.boolOpt(10, m.hasInlineFrames());
            out.message(3, msg);
        }
        for (Location l : p.locations()) {
            msg.clear();
            msg.int64Opt(1, l.id());
            msg.int64Opt(2, l.mapping() == null ? 0 : l.mapping().id());
            msg.int64Opt(3, l.address());
            for (Line ln : l.lines()) {
                sub.clear();
                sub.int64Opt(1, ln.function() == null ? 0 : ln.function().id());
                sub.int64Opt(2, ln.line());
                sub.int64Opt(3, ln.column());
                msg.message(4, sub);
            }
            msg.boolOpt(5, l.folded());
            out.message(4, msg);
        }
        for (int i = 0; i < p.functions().size(); i++) {
            Function f = p.functions().get(i);
            msg.clear();
            msg.int64Opt(1, f.id());
            msg.int64Opt(2, fnX[3 * i]);
            msg.int64Opt(3, fnX[3 * i + 1]);
            msg.int64Opt(4, fnX[3 * i + 2]);
            msg.int64Opt(5, f.startLine());
            out.message(5, msg);
        }
        String[] table = new String[strings.size()];
        strings.forEach((s, i) -> table[i] = s);
        for (String s : table) {
            out.string(6, s);
        }
        out.int64Opt(7, dropX);
        out.int64Opt(8, keepX);
        out.int64Opt(9, p.timeNanos());
        out.int64Opt(10, p.durationNanos());
        if (periodTypeX != 0 || periodUnitX != 0) {
            msg.clear();
            msg.int64Opt(1, periodTypeX);
            msg.int64Opt(2, periodUnitX);
            out.message(11, msg);
        }
        out.int64Opt(12, p.period());
        out.int64s(13, commentX, commentX.length);
        out.int64(14, defaultX);
        return out.toByteArray();
    }

    private void writeLabels(ProtoSink msg, ProtoSink sub, SampleLabels labels) {
        for (int k = 0; k < labels.stringKeyCount(); k++) {
            String key = labels.stringKey(k);
            for (String v : labels.stringValues(k)) {
                sub.clear();
                sub.int64Opt(1, index(key));
                sub.int64Opt(2, index(v));
                msg.message(3, sub);
            }
        }
        for (int k = 0; k < labels.numericKeyCount(); k++) {
            long keyX = index(labels.numericKey(k));
            long[] values = labels.numericValues(k);
            List<String> units = labels.numericUnits(k);
            for (int i = 0; i < values.length; i++) {
                long unitX = units.isEmpty() ? 0 : index(units.get(i));
                sub.clear();
                sub.int64Opt(1, keyX);
                sub.int64Opt(3, values[i]);
                sub.int64Opt(4, unitX);
                msg.message(3, sub);
            }
        }
    }
}
