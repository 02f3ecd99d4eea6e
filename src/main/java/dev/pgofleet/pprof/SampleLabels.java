package dev.pgofleet.pprof;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sample's labels as google/pprof holds them after decoding: string labels and numeric labels
 * (with optional units), each grouped by key, keys in Go's sort order. Immutable; equal labels are
 * what makes two samples with the same stack one sample in a merge.
 */
public final class SampleLabels {
    public static final SampleLabels NONE = new SampleLabels(new String[0], new String[0][], new String[0], new long[0][], new String[0][]);

    private final String[] strKeys;
    private final String[][] strValues;
    private final String[] numKeys;
    private final long[][] numValues;
    private final String[][] numUnits;
    private final int hash;

    private SampleLabels(String[] strKeys, String[][] strValues, String[] numKeys, long[][] numValues, String[][] numUnits) {
        this.strKeys = strKeys;
        this.strValues = strValues;
        this.numKeys = numKeys;
        this.numValues = numValues;
        this.numUnits = numUnits;
        this.hash = Arrays.hashCode(strKeys) * 31 * 31 * 31 + Arrays.deepHashCode(strValues) * 31 * 31
                + Arrays.hashCode(numKeys) * 31 + Arrays.deepHashCode(numValues) + Arrays.deepHashCode(numUnits);
    }

    public boolean isEmpty() {
        return strKeys.length == 0 && numKeys.length == 0;
    }

    public int stringKeyCount() { return strKeys.length; }
    public String stringKey(int i) { return strKeys[i]; }
    public List<String> stringValues(int i) { return List.of(strValues[i]); }
    public int numericKeyCount() { return numKeys.length; }
    public String numericKey(int i) { return numKeys[i]; }
    public long[] numericValues(int i) { return numValues[i].clone(); }
    /** Units of the numeric values of key i: empty, or one per value. */
    public List<String> numericUnits(int i) { return List.of(numUnits[i]); }

    /**
     * The common case without a map: string labels only, each key once (what Go's pprof.Labels
     * writes). Returns null when the labels are not of that form.
     */
    static SampleLabels ofDistinctStrings(String[] keys, String[] values) {
        int n = keys.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Utf8Order.INSTANCE.compare(keys[a], keys[b]));
        String[] sk = new String[n];
        String[][] sv = new String[n][];
        for (int i = 0; i < n; i++) {
            sk[i] = keys[order[i]];
            sv[i] = new String[] {values[order[i]]};
            if (i > 0 && sk[i].equals(sk[i - 1])) {
                return null;
            }
        }
        return new SampleLabels(sk, sv, new String[0], new long[0][], new String[0][]);
    }

    /** Collects decoded labels in file order, then freezes them in Go's key order. */
    static final class Builder {
        private final Map<String, List<String>> str = new TreeMap<>(Utf8Order.INSTANCE);
        private final Map<String, List<Long>> num = new TreeMap<>(Utf8Order.INSTANCE);
        private final Map<String, List<String>> units = new TreeMap<>(Utf8Order.INSTANCE);

        void addString(String key, String value) {
            str.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }

        void addNumber(String key, long value, String unitOrNull) {
            List<Long> values = num.computeIfAbsent(key, k -> new ArrayList<>());
            if (unitOrNull != null) {
                List<String> u = units.computeIfAbsent(key, k -> new ArrayList<>());
                while (u.size() < values.size()) {
                    u.add("");
                }
                u.add(unitOrNull);
            }
            values.add(value);
        }

        SampleLabels build() {
            if (str.isEmpty() && num.isEmpty()) {
                return NONE;
            }
            String[] sk = str.keySet().toArray(String[]::new);
            String[][] sv = new String[sk.length][];
            for (int i = 0; i < sk.length; i++) {
                sv[i] = str.get(sk[i]).toArray(String[]::new);
            }
            String[] nk = num.keySet().toArray(String[]::new);
            long[][] nv = new long[nk.length][];
            String[][] nu = new String[nk.length][];
            for (int i = 0; i < nk.length; i++) {
                List<Long> values = num.get(nk[i]);
                nv[i] = values.stream().mapToLong(Long::longValue).toArray();
                List<String> u = units.getOrDefault(nk[i], List.of());
                List<String> padded = new ArrayList<>(u);
                while (!padded.isEmpty() && padded.size() < values.size()) {
                    padded.add("");
                }
                nu[i] = padded.toArray(String[]::new);
            }
            return new SampleLabels(sk, sv, nk, nv, nu);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof SampleLabels s && hash == s.hash
                && Arrays.equals(strKeys, s.strKeys) && Arrays.deepEquals(strValues, s.strValues)
                && Arrays.equals(numKeys, s.numKeys) && Arrays.deepEquals(numValues, s.numValues)
                && Arrays.deepEquals(numUnits, s.numUnits);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
