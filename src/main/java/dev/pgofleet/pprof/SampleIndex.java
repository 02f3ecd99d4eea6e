package dev.pgofleet.pprof;

import java.util.Arrays;

/**
 * Merged samples by key (merged location ids, pooled labels): an open-addressing table of
 * primitive keys. Every key's ids sit in one int array, so that a lookup touches a few arrays
 * rather than a chain of map nodes, key objects and boxed ids. Samples are numbered by position,
 * in the order they were added.
 */
final class SampleIndex {
    /** Per slot: the key's hash in the high half, its sample position + 1 in the low half; 0 when free. */
    private long[] slots = new long[1024];
    /** Per sample: where its key starts in {@link #ids} (the length first, then the location ids). */
    private int[] keyStart = new int[512];
    private SampleLabels[] labels = new SampleLabels[512];
    private int[] ids = new int[8192];
    private int size, idsUsed;

    /** Hash of a key, to pass to {@link #find} and {@link #add}. */
    static int hash(int[] key, int length, SampleLabels pooledLabels) {
        int h = pooledLabels.hashCode();
        for (int i = 0; i < length; i++) {
            h = h * 31 + key[i];
        }
        return h;
    }

    /** Position of the sample with this key, or -1. Labels are pooled: equal labels are one object. */
    int find(int[] key, int length, SampleLabels pooledLabels, int hash) {
        int mask = slots.length - 1;
        for (int i = slot(hash, mask); slots[i] != 0; i = (i + 1) & mask) {
            long s = slots[i];
            if ((int) (s >>> 32) == hash) {
                int sample = (int) s - 1;
                if (labels[sample] == pooledLabels && sameIds(keyStart[sample], key, length)) {
                    return sample;
                }
            }
        }
        return -1;
    }

    private boolean sameIds(int start, int[] key, int length) {
        return ids[start] == length && Arrays.equals(ids, start + 1, start + 1 + length, key, 0, length);
    }

    /** Adds the key of the next sample (position {@code size()}), known not to be present. */
    void add(int[] key, int length, SampleLabels pooledLabels, int hash) {
        if (2 * (size + 1) > slots.length) {
            grow();
        }
        if (size == keyStart.length) {
            keyStart = Arrays.copyOf(keyStart, size * 2);
            labels = Arrays.copyOf(labels, size * 2);
        }
        if (idsUsed + length + 1 > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(ids.length * 2, idsUsed + length + 1));
        }
        keyStart[size] = idsUsed;
        ids[idsUsed] = length;
        System.arraycopy(key, 0, ids, idsUsed + 1, length);
        idsUsed += length + 1;
        labels[size] = pooledLabels;
        size++;
        insert(slots, (long) hash << 32 | size);
    }

    private static void insert(long[] table, long entry) {
        int mask = table.length - 1;
        int i = slot((int) (entry >>> 32), mask);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = entry;
    }

    private static int slot(int hash, int mask) {
        int h = hash * 0x9E3779B9;
        return (h ^ h >>> 16) & mask;
    }

    private void grow() {
        long[] bigger = new long[slots.length * 2];
        for (long s : slots) {
            if (s != 0) {
                insert(bigger, s);
            }
        }
        slots = bigger;
    }
}
