package dev.pgofleet.report;

import java.util.List;

/**
 * One stored file that went into a merge: how many submitted profiles it holds, its size, when
 * its content was received (epoch millis; -1 when its name does not say) and the main binaries
 * whose samples it holds (one for a submitted profile; a rollup may hold several).
 */
public record StoredInput(long profiles, long bytes, long firstMillis, long lastMillis, List<MainBinary> binaries) {
    public StoredInput {
        binaries = List.copyOf(binaries);
    }
}
