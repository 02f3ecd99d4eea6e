package dev.pgofleet.report;

/**
 * One stored file that went into a merge: how many submitted profiles it holds, its size, when
 * its content was received (epoch millis; -1 when its name does not say) and its main binary.
 * A rollup counts toward the main binary of its first profile.
 */
public record StoredInput(long profiles, long bytes, long firstMillis, long lastMillis, MainBinary binary) {}
