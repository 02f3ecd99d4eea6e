package dev.pgofleet.report;

import java.util.Comparator;

/** Go compares strings by their UTF-8 bytes; Java's natural order uses UTF-16 units. */
final class GoStrings {
    private GoStrings() {}

    static final Comparator<String> ORDER = (a, b) -> {
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
    };
}
