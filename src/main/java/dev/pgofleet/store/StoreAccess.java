package dev.pgofleet.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Start-up checks of the store directory: writable by this process, and what in it is not ours. */
final class StoreAccess {
    private static final Logger log = LoggerFactory.getLogger(StoreAccess.class);
    /** Entries the store itself keeps next to the profiles. */
    private static final Set<String> OWN = Set.of(ProfileStore.QUARANTINE, StoreLock.NAME, ProfileStore.SERVICES);
    private static final int NAMES_SHOWN = 20;

    private StoreAccess() {}

    /** Creates the directory if needed and checks that a file can be created in it; the message says how to fix it. */
    static void requireWritable(Path dir) throws StoreOpenException {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ProfileStore.TEMP_PREFIX, ".probe");
            Files.delete(probe);
        } catch (AccessDeniedException e) {
            String uid = uid();
            throw new StoreOpenException("directory " + dir + " is not writable by the user this collector runs as (uid " + uid
                    + ", " + System.getProperty("user.name") + "): that user needs write access, e.g. chown -R " + uid + " " + dir, e);
        } catch (FileAlreadyExistsException e) {
            throw new StoreOpenException("directory " + dir + " is not writable: " + e.getFile() + " is a file, not a directory", e);
        } catch (IOException e) {
            throw new StoreOpenException("directory " + dir + " is not writable: " + IoReason.describe(e), e);
        }
    }

    /** The numeric uid of this process (what {@code chown} needs), or "?" where the OS does not say. */
    private static String uid() {
        try {
            return String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** Logs, once at start, entries that are neither ours nor the original collector's (already taken over). */
    static void reportUnknownEntries(Path dir) throws IOException {
        List<String> unknownNames = new ArrayList<>(), others = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (OWN.contains(name) || ReplacementJournal.isJournal(name) || name.startsWith(ProfileStore.TEMP_PREFIX)) {
                    continue;
                }
                if (name.endsWith(StoredFile.SUFFIX) && !name.startsWith(".")) {
                    if (StoredFile.of(p).kind() == StoredFile.Kind.UNKNOWN) {
                        unknownNames.add(name);
                    }
                } else {
                    others.add(name);
                }
            }
        }
        if (!unknownNames.isEmpty()) {
            log.warn("{} files in {} are named *.pprof but not as this collector names them: merged where their name sorts, "
                    + "never compacted or deleted: {}", unknownNames.size(), dir, shown(unknownNames));
        }
        if (!others.isEmpty()) {
            log.warn("{} unknown entries in {} are ignored (only *.pprof files are stored profiles): {}", others.size(), dir,
                    shown(others));
        }
    }

    private static String shown(List<String> names) {
        List<String> sorted = names.stream().sorted().toList();
        return sorted.size() <= NAMES_SHOWN ? String.join(", ", sorted)
                : String.join(", ", sorted.subList(0, NAMES_SHOWN)) + ", ... (" + (sorted.size() - NAMES_SHOWN) + " more)";
    }
}
