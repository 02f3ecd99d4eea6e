package dev.pgofleet.pprof;

import java.util.HashMap;
import java.util.Map;

/** Maps an object id of one profile to its position in the table; dense ids (the usual case) use an array. */
final class IdIndex {
    private final int[] dense;
    private final Map<Long, Integer> sparse;

    private IdIndex(int[] dense, Map<Long, Integer> sparse) {
        this.dense = dense;
        this.sparse = sparse;
    }

    /** Builds the index, refusing id 0 and duplicates as google/pprof's CheckValid does. */
    static IdIndex of(String what, long[] ids) throws InvalidProfileException {
        int n = ids.length;
        int[] dense = new int[n + 1];
        Map<Long, Integer> sparse = null;
        for (int i = 0; i < n; i++) {
            long id = ids[i];
            if (id == 0) {
                throw new InvalidProfileException(what + " " + (i + 1) + " has the reserved id 0");
            }
            if (id > 0 && id <= n) {
                if (dense[(int) id] != 0) {
                    throw new InvalidProfileException("two " + what + "s have id " + Long.toUnsignedString(id));
                }
                dense[(int) id] = i + 1;
            } else {
                if (sparse == null) {
                    sparse = new HashMap<>();
                }
                if (sparse.put(id, i) != null) {
                    throw new InvalidProfileException("two " + what + "s have id " + Long.toUnsignedString(id));
                }
            }
        }
        return new IdIndex(dense, sparse);
    }

    /** Position of the object with this id, or -1 when there is none. */
    int find(long id) {
        if (id > 0 && id < dense.length) {
            return dense[(int) id] - 1;
        }
        if (sparse == null) {
            return -1;
        }
        Integer i = sparse.get(id);
        return i == null ? -1 : i;
    }
}
