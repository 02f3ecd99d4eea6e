package dev.pgofleet.store;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a merge or a compaction pass does with a stored file it cannot fold: moves it to the
 * quarantine directory and counts it, so that the merge goes on without it. A file the collector
 * wrote itself (a rollup or combined merge) holds many acknowledged profiles: losing it is an
 * alarm, logged as such and counted apart. Also chooses the size limits per file: the
 * per-submit limits for submitted profiles, none of ours for the collector's own files.
 */
final class Quarantine implements ParallelFold.OnBadInput {
    private static final Logger log = LoggerFactory.getLogger(Quarantine.class);

    private final ProfileStore store;
    private final DecodeLimits submitLimits;
    private final AtomicLong submitted = new AtomicLong(), own = new AtomicLong();

    Quarantine(ProfileStore store, DecodeLimits submitLimits) {
        this.store = store;
        this.submitLimits = submitLimits;
    }

    DecodeLimits limitsFor(Path file) {
        return isOwn(file) ? DecodeLimits.OWN_FILES : submitLimits;
    }

    private static boolean isOwn(Path file) {
        StoredFile.Kind kind = StoredFile.of(file).kind();
        return kind == StoredFile.Kind.ROLLUP || kind == StoredFile.Kind.COMBINED;
    }

    @Override
    public void handle(Path file, String reason) {
        // A merge and the compactor may both meet the same file: the one that sets it aside counts it.
        if (!store.quarantine(file, reason)) {
            return;
        }
        if (isOwn(file)) {
            log.error("ALARM: the collector's own file {} cannot be read ({}); the profiles it holds are left out of merges"
                    + " until it is repaired (it is kept in quarantine/)", file.getFileName(), reason);
            own.incrementAndGet();
        } else {
            submitted.incrementAndGet();
        }
    }

    /** Submitted profiles set aside since start. */
    long submittedFiles() {
        return submitted.get();
    }

    /** Rollups and combined merges set aside since start (each an alarm). */
    long ownFiles() {
        return own.get();
    }
}
