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
 * The main binary of a stored profile: file name and build ID of its first mapping (Go writes the
 * executable first). Read with a field scan, without building the profile.
 */
public record MainBinary(String file, String buildId) {
    public static final MainBinary UNKNOWN = new MainBinary("", "");

    private static final int PROFILE_MAPPING = 3, PROFILE_STRING_TABLE = 6, MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6;

    /** The first mapping's file and build ID; {@link #UNKNOWN} for a profile without mappings or unreadable. */
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
}
