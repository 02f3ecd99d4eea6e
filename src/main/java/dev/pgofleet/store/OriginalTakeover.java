package dev.pgofleet.store;

import dev.pgofleet.pprof.CpuProfileCheck;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.InvalidProfileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the original collector's store: {@code <millis>_<n>.pgo} (a submit) and
 * {@code merged_<millis>_<n>.pgo} (an and_combine result) in the same directory. Each valid file
 * is copied under the name it gets in our layout ({@link #target}, derived from its own name only)
 * and the original is deleted only once every copy is durable; a file that does not parse goes to
 * quarantine. A kill -9 at any point loses nothing and counts nothing twice: a restart deletes
 * the originals whose copy exists and copies the rest. Runs at start, before anything reads the store.
 */
final class OriginalTakeover {
    private static final Logger log = LoggerFactory.getLogger(OriginalTakeover.class);
    private static final Pattern NAME = Pattern.compile("(merged_)?([0-9]{1,18})_([0-9]{1,18})\\.pgo");
    static final String SUFFIX = ".pgo";
    /** The boot id of raw names taken over from the original Go collector (ours are six hex digits). */
    static final String BOOT = "orig";

    /** An original file; merged ones come first, as their content is older than later submits. */
    record Original(Path path, boolean merged, long millis, long n) {
        static final Comparator<Original> ARRIVAL = Comparator.comparing((Original o) -> !o.merged)
                .thenComparingLong(Original::millis).thenComparingLong(Original::n);

        /** Our name for it: an and_combine result of one profile, or a raw profile received at its millis. */
        String target() {
            return merged ? StoredFile.combined(millis, "o" + n, 1) : StoredFile.raw(millis, n, BOOT);
        }
    }

    private OriginalTakeover() {}

    static boolean isOriginalName(String name) {
        return NAME.matcher(name).matches();
    }

    static void run(Path dir, Path quarantine, DirectorySync dirSync, DecodeLimits limits) throws IOException {
        List<Original> found = find(dir);
        if (found.isEmpty()) {
            return;
        }
        List<Original> copied = new ArrayList<>();
        int refused = 0, merged = 0;
        for (Original o : found) {
            Path target = dir.resolve(o.target());
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                String bad = copyIfValid(o, dir, target, limits);
                if (bad != null) {
                    refused++;
                    setAside(o.path, quarantine, bad);
                    continue;
                }
            }
            copied.add(o);
            merged += o.merged ? 1 : 0;
        }
        dirSync.syncNow(); // every copy is durable before any original goes
        for (Original o : copied) {
            Files.deleteIfExists(o.path);
        }
        dirSync.syncNow();
        if (!copied.isEmpty()) {
            log.info("took over {} files of the original collector in {} ({} and_combine results, {} submits), in arrival order: {} .. {}",
                    copied.size(), dir, merged, copied.size() - merged, copied.get(0).target(), copied.get(copied.size() - 1).target());
        }
        if (refused > 0) {
            log.error("{} files of the original collector could not be taken over and were moved to {}", refused, quarantine);
        }
    }

    private static List<Original> find(Path dir) throws IOException {
        List<Original> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    found.add(new Original(p, m.group(1) != null, Long.parseLong(m.group(2)), Long.parseLong(m.group(3))));
                }
            }
        }
        found.sort(Original.ARRIVAL);
        return found;
    }

    /**
     * Copies a valid original to {@code target} (durable, not yet in the directory's fsync); returns why not otherwise.
     * A {@code merged_} file is a collector's own and_combine result, holding many submits: like our own
     * files, it is not judged by the per-submit {@code limits}.
     */
    private static String copyIfValid(Original o, Path dir, Path target, DecodeLimits submitLimits) throws IOException {
        DecodeLimits limits = o.merged ? DecodeLimits.OWN_FILES : submitLimits;
        BasicFileAttributes a = Files.readAttributes(o.path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            return "not a regular file";
        }
        if (a.size() > limits.maxCompressedBytes()) {
            return "larger than " + limits.maxCompressedBytes() + " bytes";
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(o.path, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes((int) a.size() + 1);
        }
        if (bytes.length != a.size()) {
            return "changed while read";
        }
        try {
            CpuProfileCheck.requireValid(bytes, limits);
        } catch (InvalidProfileException e) {
            return "invalid profile: " + e.getMessage();
        }
        Path tmp = dir.resolve(ProfileStore.TEMP_PREFIX + target.getFileName());
        try {
            DurableFiles.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            DurableFiles.deleteQuietly(tmp);
            throw e;
        }
        return null;
    }

    private static void setAside(Path p, Path quarantine, String why) {
        try {
            Files.move(p, quarantine.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            log.error("original collector's file {} not taken over: {} (moved to {})", p.getFileName(), why, quarantine);
        } catch (IOException e) {
            log.error("original collector's file {} not taken over: {}; it could not be moved to {} ({}) and is ignored",
                    p.getFileName(), why, quarantine, e.getMessage());
        }
    }
}
