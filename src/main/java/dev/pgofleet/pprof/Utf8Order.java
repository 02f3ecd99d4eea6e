package dev.pgofleet.pprof;

import java.util.Comparator;

/** Orders strings by their UTF-8 bytes, as Go's sort.Strings does (Java's natural order uses UTF-16 units). */
final class Utf8Order implements Comparator<String> {
    static final Utf8Order INSTANCE = new Utf8Order();

    @Override
    public int compare(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
