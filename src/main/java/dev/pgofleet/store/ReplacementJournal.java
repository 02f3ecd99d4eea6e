package dev.pgofleet.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
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
 *
 * <p>A committed rollup's journal is renamed {@code retire-<new file>.journal} once the commit is
 * durable, so the next replacement can begin while the inputs are deleted: such a journal says
 * "committed" by its name alone (its new file may already be replaced in turn), and a restart
 * deletes the inputs it names.
 */
final class ReplacementJournal {
    private static final Logger log = LoggerFactory.getLogger(ReplacementJournal.class);
    static final String NAME = "combine.journal";
    private static final String RETIRED_PREFIX = "retire-", RETIRED_SUFFIX = ".journal";

    private final Path dir;
    private final DirectorySync dirSync;
    private final SpareFiles spares;

    ReplacementJournal(Path dir, DirectorySync dirSync, SpareFiles spares) {
        this.dir = dir;
        this.dirSync = dirSync;
        this.spares = spares;
    }

    static boolean isJournal(String name) {
        return name.equals(NAME) || name.startsWith(RETIRED_PREFIX) && name.endsWith(RETIRED_SUFFIX);
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

    /**
     * Marks the replacement of {@code newName}, whose rename the caller has made durable, as
     * committed: the journal becomes {@code retire-<newName>.journal}, which {@link #retire}
     * removes once the inputs are gone. Should this rename not survive a crash, the journal
     * still names the new file, which exists: the restart rolls forward all the same.
     */
    Path committed(String newName) throws IOException {
        Path retired = dir.resolve(RETIRED_PREFIX + newName + RETIRED_SUFFIX);
        Files.move(dir.resolve(NAME), retired, StandardCopyOption.ATOMIC_MOVE);
        return retired;
    }

    /**
     * Takes the inputs of a committed replacement out of the store (into {@link SpareFiles} while
     * there is room), then deletes its journal (should that delete be lost, a restart deletes
     * nothing more). Paced, a few dozen files at a time: a rollup replaces
     * thousands of files, and unlinking them at once makes one large journal commit (with the
     * discards of every freed block on a disk mounted with {@code discard}) that every submit's
     * fsync then waits for.
     */
    void retire(Path retired, List<String> inputs) throws IOException {
        delete(inputs, spares);
        Files.deleteIfExists(retired);
    }

    static final int RETIRE_CHUNK = 32;
    static final long RETIRE_PAUSE_MILLIS = 5;

    /** Deletes the inputs, then the journal: the replacement is complete. */
    void finish(List<String> inputs) throws IOException {
        delete(inputs, null);
        Files.deleteIfExists(dir.resolve(NAME));
        dirSync.syncNow();
    }

    /**
     * Takes the inputs out durably (only then may the journal naming them go): with {@code into}
     * paced as {@link #retire} says and kept as spares, else deleted at once.
     */
    private void delete(List<String> inputs, SpareFiles into) throws IOException {
        for (int i = 0; i < inputs.size(); i++) {
            if (into == null) {
                Files.deleteIfExists(dir.resolve(inputs.get(i)));
                continue;
            }
            if (i > 0 && i % RETIRE_CHUNK == 0) {
                pause();
            }
            into.retire(inputs.get(i));
        }
        dirSync.syncNow();
    }

    private static void pause() {
        try {
            Thread.sleep(RETIRE_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: the rest is deleted at once
        }
    }

    /**
     * Finishes what was committed and rolls an interrupted replacement forward or back (at start,
     * before anything reads the store).
     */
    void recover() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, RETIRED_PREFIX + "*" + RETIRED_SUFFIX)) {
            for (Path retired : ds) {
                List<String> lines = lines(retired);
                log.warn("deleting the {} files a committed rollup replaced ({})", Math.max(0, lines.size() - 1),
                        retired.getFileName());
                // At start nothing else runs: no pacing, and no spares (temp files are removed next).
                delete(lines.isEmpty() ? List.of() : lines.subList(1, lines.size()), null);
                Files.deleteIfExists(retired);
            }
        }
        Path journal = dir.resolve(NAME);
        if (!Files.exists(journal)) {
            return;
        }
        List<String> lines = lines(journal);
        if (!lines.isEmpty() && Files.exists(dir.resolve(lines.get(0)))) {
            log.warn("finishing an interrupted replacement: {} replaces {} files", lines.get(0), lines.size() - 1);
            finish(lines.subList(1, lines.size()));
        } else {
            log.warn("rolling back an interrupted replacement (and_combine or rollup): the stored files stay as they were");
            Files.deleteIfExists(journal);
            dirSync.syncNow();
        }
    }

    private static List<String> lines(Path journal) throws IOException {
        return Files.readAllLines(journal, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
    }
}
