package dev.pgofleet.pprof;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sample's labels as google/pprof holds them after decoding: string labels and numeric labels
 * (with optional units), each grouped by key, keys in Go's sort order (strings as in
 * {@link GoString}, so the natural order is Go's byte order). Immutable. Equality is that of the
 * labels part of Go's sample key (merge.go, sampleKey), which concatenates the string labels and
 * the numeric labels without a separator: labels that give the same key bytes are equal, as they
 * make one sample in Go's merge even when one set is a string label and the other a numeric one.
 */
public final class SampleLabels {
    public static final SampleLabels NONE = new SampleLabels(new String[0], new String[0][], new String[0], new long[0][], new String[0][]);

    private final String[] strKeys;
    private final String[][] strValues;
    private final String[] numKeys;
    private final long[][] numValues;
    private final String[][] numUnits;
    /** The labels part of Go's sample key, one char per byte. */
    private final String goKey;

    private SampleLabels(String[] strKeys, String[][] strValues, String[] numKeys, long[][] numValues, String[][] numUnits) {
        this.strKeys = strKeys;
        this.strValues = strValues;
        this.numKeys = numKeys;
        this.numValues = numValues;
        this.numUnits = numUnits;
        this.goKey = goKey();
    }

    // Go: putDelimitedString (length varint, bytes) and putNumber (uvarint) into one string.
    private String goKey() {
        StringBuilder b = new StringBuilder(16);
        for (int i = 0; i < strKeys.length; i++) {
            delimited(b, strKeys[i]);
            number(b, strValues[i].length);
            for (String v : strValues[i]) {
                delimited(b, v);
            }
        }
        for (int i = 0; i < numKeys.length; i++) {
            delimited(b, numKeys[i]);
            number(b, numValues[i].length);
            for (long v : numValues[i]) {
                number(b, v);
            }
            number(b, numUnits[i].length);
            for (String u : numUnits[i]) {
                delimited(b, u);
            }
        }
        return b.toString();
    }

    private static void delimited(StringBuilder b, String s) {
        number(b, s.length());
        b.append(s);
    }

    private static void number(StringBuilder b, long v) {
        while ((v & ~0x7FL) != 0) {
            b.append((char) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        b.append((char) v);
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
        Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
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
        private final Map<String, List<String>> str = new TreeMap<>();
        private final Map<String, List<Long>> num = new TreeMap<>();
        private final Map<String, List<String>> units = new TreeMap<>();

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
        return o instanceof SampleLabels s && goKey.equals(s.goKey);
    }

    @Override
    public int hashCode() {
        return goKey.hashCode();
    }
}
