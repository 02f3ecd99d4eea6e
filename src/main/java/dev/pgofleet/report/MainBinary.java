package dev.pgofleet.report;

import com.google.protobuf.CodedInputStream;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.Gzip;
import dev.pgofleet.pprof.InvalidProfileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A main binary (a build): file name and build ID of a profile's first mapping, which is the
 * executable in Go's profiles.
 */
public record MainBinary(String file, String buildId) {
    public static final MainBinary UNKNOWN = new MainBinary("", "");

    private static final int PROFILE_MAPPING = 3, PROFILE_STRING_TABLE = 6, MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6;

    /**
     * The first mapping's file and build ID, read with a field scan without building the profile;
     * {@link #UNKNOWN} for a profile without mappings or unreadable.
     */
    public static MainBinary of(byte[] stored, DecodeLimits limits) {
        try {
            byte[] raw = Gzip.isGzip(stored) ? Gzip.gunzip(stored, limits.maxDecompressedBytes()) : stored;
            CodedInputStream in = CodedInputStream.newInstance(raw);
            long fileIndex = -1, buildIndex = -1;
            List<String> strings = new ArrayList<>();
            int tag;
            while ((tag = in.readTag()) != 0) {
                int field = tag >>> 3;
                if (field == PROFILE_MAPPING && fileIndex < 0) {
                    CodedInputStream m = in.readBytes().newCodedInput();
                    fileIndex = 0;
                    buildIndex = 0;
                    int t;
                    while ((t = m.readTag()) != 0) {
                        if (t >>> 3 == MAPPING_FILENAME && (t & 7) == 0) {
                            fileIndex = m.readInt64();
                        } else if (t >>> 3 == MAPPING_BUILD_ID && (t & 7) == 0) {
                            buildIndex = m.readInt64();
                        } else {
                            m.skipField(t);
                        }
                    }
                } else if (field == PROFILE_STRING_TABLE && (tag & 7) == 2) {
                    strings.add(in.readBytes().toString(StandardCharsets.UTF_8));
                } else {
                    in.skipField(tag);
                }
            }
            if (fileIndex < 0) {
                return UNKNOWN;
            }
            return new MainBinary(at(strings, fileIndex), at(strings, buildIndex));
        } catch (IOException | InvalidProfileException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    private static String at(List<String> strings, long i) {
        return i >= 0 && i < strings.size() ? strings.get((int) i) : "";
    }

    /**
     * The main binaries whose samples a merged file (a rollup) holds: the mapping of each sample's
     * root frame (runtime.goexit and the like are in the executable), in first-seen order.
     */
    public static java.util.List<MainBinary> inMerged(byte[] stored, DecodeLimits limits) {
        try {
            byte[] raw = Gzip.isGzip(stored) ? Gzip.gunzip(stored, limits.maxDecompressedBytes()) : stored;
            dev.pgofleet.pprof.proto.ProfileProto.Profile p = dev.pgofleet.pprof.proto.ProfileProto.Profile.parseFrom(raw);
            java.util.Map<Long, Long> mappingOfLocation = new java.util.HashMap<>();
            p.getLocationList().forEach(l -> mappingOfLocation.put(l.getId(), l.getMappingId()));
            java.util.Map<Long, MainBinary> byMapping = new java.util.HashMap<>();
            for (var m : p.getMappingList()) {
                byMapping.put(m.getId(), new MainBinary(at(p.getStringTableList(), m.getFilename()), at(p.getStringTableList(), m.getBuildId())));
            }
            java.util.LinkedHashSet<MainBinary> found = new java.util.LinkedHashSet<>();
            for (var s : p.getSampleList()) {
                if (s.getLocationIdCount() > 0) {
                    Long mapping = mappingOfLocation.get(s.getLocationId(s.getLocationIdCount() - 1));
                    found.add(mapping == null ? UNKNOWN : byMapping.getOrDefault(mapping, UNKNOWN));
                }
            }
            return found.isEmpty() ? java.util.List.of(of(stored, limits)) : java.util.List.copyOf(found);
        } catch (IOException | InvalidProfileException | RuntimeException e) {
            return java.util.List.of(UNKNOWN);
        }
    }
}
