package dev.pgofleet.store;

import java.nio.file.Path;
import java.util.List;

/**
 * What a stored file's name says. Names sort in arrival order of their content, which is the
 * order a merge folds them in:
 * <ul>
 *   <li>combined (and_combine) from {@code n} profiles: {@code 0000000000000-<madeMillis>-<boot>-<n>c.pprof},
 *       first (older versions wrote no {@code -<n>});
 *   <li>rollup of {@code n} profiles received in {@code [from, to)}:
 *       {@code <from>-0000000000-<to>-<madeMillis>-<n>r.pprof}, before any raw profile of its
 *       bucket (raw sequence numbers start at 1);
 *   <li>raw submit: {@code <receivedMillis>-<seq>-<boot>.pprof}.
 * </ul>
 */
public record StoredFile(Path path, Kind kind, long fromMillis, long toMillis, long madeMillis, long seq, String boot,
                         long profiles) {
    /** UNKNOWN: a name none of ours (copied in by hand): merged where it sorts, never folded, windowed out or deleted. */
    public enum Kind { COMBINED, ROLLUP, RAW, UNKNOWN }

    public static final String SUFFIX = ".pprof";

    public static StoredFile of(Path path) {
        String name = path.getFileName().toString();
        String[] part = name.substring(0, name.length() - SUFFIX.length()).split("-");
        try {
            // By shape, not by last letter: a raw name's boot id is hex and may itself end in "c".
            if (part[0].equals("0000000000000")) {
                long n = part.length > 3 ? Long.parseLong(strip(part[3], 'c')) : 1;
                long made = Long.parseLong(part[1]);
                return new StoredFile(path, Kind.COMBINED, 0, made, made, 0, "", n);
            }
            if (part[1].equals("0000000000")) {
                return new StoredFile(path, Kind.ROLLUP, Long.parseLong(part[0]), Long.parseLong(part[2]),
                        Long.parseLong(part[3]), 0, "", Long.parseLong(strip(part[4], 'r')));
            }
            long received = Long.parseLong(part[0]);
            return new StoredFile(path, Kind.RAW, received, received + 1, received, Long.parseLong(part[1]), part[2], 1);
        } catch (RuntimeException e) {
            return new StoredFile(path, Kind.UNKNOWN, 0, Long.MAX_VALUE, 0, 0, "", 1);
        }
    }

    private static String strip(String s, char last) {
        if (s.isEmpty() || s.charAt(s.length() - 1) != last) {
            throw new IllegalArgumentException(s);
        }
        return s.substring(0, s.length() - 1);
    }

    public static String raw(long receivedMillis, long seq, String boot) {
        return String.format("%013d-%010d-%s%s", receivedMillis, seq, boot, SUFFIX);
    }

    public static String combined(long madeMillis, String boot, long profiles) {
        return String.format("%013d-%013d-%s-%dc%s", 0, madeMillis, boot, profiles, SUFFIX);
    }

    public static String rollup(long from, long to, long madeMillis, long profiles) {
        return String.format("%013d-%010d-%013d-%013d-%dr%s", from, 0, to, madeMillis, profiles, SUFFIX);
    }

    /** How many submitted profiles the files hold together. */
    public static long profiles(List<StoredFile> files) {
        return files.stream().mapToLong(StoredFile::profiles).sum();
    }

    /** When the newest content of this file was received: what retention and windows compare. */
    public long newestMillis() {
        return toMillis - 1;
    }
}
