package dev.pgofleet.testing;

import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** Builds test profiles from the fixtures. */
public final class Profiles {
    private Profiles() {}

    /** The fixture with one comment added: a way to tell which submits reached a merge. */
    public static byte[] withComment(byte[] profile, String comment) {
        Profile p = TestData.proto(profile);
        Profile.Builder b = p.toBuilder();
        b.addStringTable(comment);
        b.addComment(b.getStringTableCount() - 1);
        return gzip(b.build().toByteArray());
    }

    public static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The comments of a decoded profile, in order (tests tag each submit with one). */
    public static java.util.List<String> comments(Profile p) {
        return p.getCommentList().stream().map(i -> p.getStringTable(i.intValue())).toList();
    }

    /** The comment that tags submit number {@code n}, so that a merge tells which submits it holds. */
    public static String tag(int n) {
        return "p-" + n;
    }

    /** The submit tags ({@link #tag}) among a decoded profile's comments, in order. */
    public static java.util.List<String> tags(Profile p) {
        return comments(p).stream().filter(s -> s.startsWith("p-")).toList();
    }

    /** Total of the first sample type (samples/count in a Go CPU profile) of a decoded profile. */
    public static long totalSamples(Profile p) {
        return p.getSampleList().stream().mapToLong(s -> s.getValue(0)).sum();
    }

    /** Total of sample type {@code index} in a profile. */
    public static long total(byte[] profile, int index) {
        return TestData.proto(profile).getSampleList().stream().mapToLong(s -> s.getValue(index)).sum();
    }
}
