package dev.pgofleet.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists the stored profiles: regular files named {@code *.pprof}, with the size seen when listed.
 * Anything else under such a name (a symlink, a FIFO, a device, a directory) is no stored profile:
 * reading it could fail every start (a dangling link), exhaust memory (a link to /dev/zero) or
 * block forever (a FIFO). It is moved to quarantine where possible and logged once.
 */
final class StoreScan {
    private static final Logger log = LoggerFactory.getLogger(StoreScan.class);

    /** A stored file as listed, with its name (which sorts as its path does, the directory being the same). */
    record Listed(StoredFile file, long size, String name) {}

    private final Path dir;
    private final Path quarantine;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    StoreScan(Path dir, Path quarantine) {
        this.dir = dir;
        this.quarantine = quarantine;
    }

    /**
     * What the last listing found, by name: a stored file never changes once it has its name, so
     * a name listed again is not looked at again (a rollup's inputs, say, are listed until deleted).
     */
    private volatile Map<String, Listed> known = Map.of();

    /**
     * Stored profiles, oldest content first; {@code ours} gives a file this store wrote (a regular
     * file, with its size), which is not looked at again.
     */
    List<Listed> list(Function<Path, Listed> ours) throws IOException {
        Map<String, Listed> before = known, now = new HashMap<>(Math.max(16, before.size() * 2));
        List<Listed> files = new ArrayList<>(before.size() + 64);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || !name.endsWith(StoredFile.SUFFIX)) {
                    continue;
                }
                Listed l = before.get(name);
                if (l == null) {
                    l = ours.apply(p);
                }
                if (l == null) {
                    BasicFileAttributes a;
                    try {
                        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    } catch (NoSuchFileException gone) {
                        continue; // removed since the directory was read (a replacement or retention)
                    }
                    if (!a.isRegularFile()) {
                        setAside(p, a);
                        continue;
                    }
                    l = new Listed(StoredFile.of(p), a.size(), name);
                }
                now.put(name, l);
                files.add(l);
            }
        }
        // Path order is byte order: the names' order where all are ASCII, without walking the directory's prefix each time.
        files.sort(files.stream().allMatch(l -> ascii(l.name())) ? Comparator.comparing(Listed::name)
                : Comparator.comparing(l -> l.file().path()));
        known = now;
        return files;
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private void setAside(Path p, BasicFileAttributes a) {
        String name = p.getFileName().toString();
        String what = a.isSymbolicLink() ? "a symbolic link" : a.isDirectory() ? "a directory" : "not a regular file (FIFO, socket or device)";
        try {
            // A rename moves the entry itself: a link is never followed, a FIFO never opened.
            Files.move(p, quarantine.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.error("skipped {} in the store: {}, not a stored profile (moved to {})", name, what, quarantine);
            reported.remove(name);
        } catch (IOException e) {
            if (reported.add(name)) {
                log.error("skipped {} in the store: {}, not a stored profile (could not move it to {}: {}); it is ignored",
                        name, what, quarantine, e.getMessage());
            }
        }
    }
}
