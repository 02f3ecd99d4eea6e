package dev.pgofleet.store;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What {@code GET /v1/services} says of one service: submitted profiles its store holds (a rollup
 * or combined file counts the profiles folded into it), bytes of its files, profiles waiting to be
 * folded, and when the data held was received (-1 while nothing dated is held). A raw profile
 * gives its exact receive time; a rollup, whose profiles are folded together, its bucket: from the
 * start of its hour or day, up to when it was made (at most the bucket's end). Results of
 * and_combine hold data of mixed age and give no time.
 */
public record ServiceFigures(String name, long profiles, long bytes, long waiting, long firstReceivedMillis,
                             long lastReceivedMillis) {

    /** The figures of {@code store} now (it is listed: call off any event loop). */
    public static ServiceFigures of(String name, ProfileStore store) {
        long first = Long.MAX_VALUE, last = -1;
        try {
            for (StoredFile f : store.list()) {
                if (f.kind() == StoredFile.Kind.RAW) {
                    first = Math.min(first, f.fromMillis());
                    last = Math.max(last, f.fromMillis());
                } else if (f.kind() == StoredFile.Kind.ROLLUP) {
                    first = Math.min(first, f.fromMillis());
                    last = Math.max(last, Math.min(f.newestMillis(), f.madeMillis()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ServiceFigures(name, store.storedProfiles(), store.storedBytes(), store.unfoldedCount(),
                first == Long.MAX_VALUE ? -1 : first, last);
    }
}
