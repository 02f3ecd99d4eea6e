package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The merger's sample table: a key is found only when its ids, their number and its labels all match. */
class SampleIndexTest {
    private static final SampleLabels[] LABELS = {
        SampleLabels.NONE,
        SampleLabels.ofDistinctStrings(new String[] {"k"}, new String[] {"a"}),
        SampleLabels.ofDistinctStrings(new String[] {"k"}, new String[] {"b"}),
    };

    @Test
    void findsEveryKeyAfterGrowingAndTellsApartKeysThatShareAHash() {
        SampleIndex index = new SampleIndex();
        int keys = 5000;
        // Every key under one hash: each lookup walks the same run of slots and must compare the keys.
        int hash = 42;
        for (int i = 0; i < keys; i++) {
            int[] ids = ids(i);
            assertThat(index.find(ids, ids.length, LABELS[i % 3], hash)).isEqualTo(-1);
            index.add(ids, ids.length, LABELS[i % 3], hash);
        }
        for (int i = 0; i < keys; i++) {
            int[] ids = ids(i);
            assertThat(index.find(ids, ids.length, LABELS[i % 3], hash)).isEqualTo(i);
            assertThat(index.find(ids, ids.length, LABELS[(i + 1) % 3], hash)).as("other labels").isEqualTo(-1);
            assertThat(index.find(ids, ids.length - 1, LABELS[i % 3], hash)).as("one id fewer").isEqualTo(-1);
        }
    }

    @Test
    void keysFoundByTheirOwnHash() {
        SampleIndex index = new SampleIndex();
        int[] empty = {};
        index.add(empty, 0, LABELS[0], SampleIndex.hash(empty, 0, LABELS[0]));
        for (int i = 0; i < 3000; i++) {
            int[] ids = ids(i);
            index.add(ids, ids.length, LABELS[0], SampleIndex.hash(ids, ids.length, LABELS[0]));
        }
        assertThat(index.find(empty, 0, LABELS[0], SampleIndex.hash(empty, 0, LABELS[0]))).isEqualTo(0);
        for (int i = 0; i < 3000; i++) {
            int[] ids = ids(i);
            assertThat(index.find(ids, ids.length, LABELS[0], SampleIndex.hash(ids, ids.length, LABELS[0]))).isEqualTo(i + 1);
        }
    }

    /** Distinct keys of 2 to 12 ids (the length and the first id tell them apart). */
    private static int[] ids(int i) {
        int[] ids = new int[2 + i % 11];
        for (int j = 0; j < ids.length; j++) {
            ids[j] = i / 11 + j + 1;
        }
        return ids;
    }
}
