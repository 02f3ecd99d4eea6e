package dev.pgofleet.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <dir>/combine.journal}: names a replacement's new file and its inputs, written before
 * anything visible changes. The new file's rename is the commit point: a restart that finds the
 * new file finishes deleting the inputs, one that does not keeps them.
 */
final class ReplacementJournal {
    private static final Logger log = LoggerFactory.getLogger(ReplacementJournal.class);
    static final String NAME = "combine.journal";

    private final Path dir;
    private final DirectorySync dirSync;

    ReplacementJournal(Path dir, DirectorySync dirSync) {
        this.dir = dir;
        this.dirSync = dirSync;
    }

    /** Writes the journal durably; the caller has written the new file under its temp name. */
    void begin(String newName, List<Path> inputs) throws IOException {
        Path tmp = dir.resolve(ProfileStore.TEMP_PREFIX + NAME);
        try {
            StringBuilder j = new StringBuilder(newName).append('\n');
            inputs.forEach(p -> j.append(p.getFileName()).append('\n'));
            DurableFiles.write(tmp, j.toString().getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE);
            dirSync.syncNow();
        } catch (IOException e) {
            DurableFiles.deleteQuietly(tmp);
            throw e;
        }
    }

    /** Deletes the inputs, then the journal: the replacement is complete. */
    void finish(List<String> inputs) throws IOException {
        for (String in : inputs) {
            Files.deleteIfExists(dir.resolve(in));
        }
        dirSync.syncNow();
        Files.deleteIfExists(dir.resolve(NAME));
        dirSync.syncNow();
    }

    /** Rolls an interrupted replacement forward or back (at start, before anything reads the store). */
    void recover() throws IOException {
        Path journal = dir.resolve(NAME);
        if (!Files.exists(journal)) {
            return;
        }
        List<String> lines = Files.readAllLines(journal, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        if (!lines.isEmpty() && Files.exists(dir.resolve(lines.get(0)))) {
            log.warn("finishing an interrupted replacement: {} replaces {} files", lines.get(0), lines.size() - 1);
            finish(lines.subList(1, lines.size()));
        } else {
            log.warn("rolling back an interrupted replacement (and_combine or rollup): the stored files stay as they were");
            Files.deleteIfExists(journal);
            dirSync.syncNow();
        }
    }
}
