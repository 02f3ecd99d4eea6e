package dev.pgofleet.pprof;

/**
 * Recognises the legacy binary CPU profile format (Go before 1.9, gperftools) by its header, as
 * google/pprof's parseCPU does: five words 0, 3, 0 (or 1), period, 0, in 32- or 64-bit, either
 * byte order. google/pprof converts such a profile; the collector refuses it, because it carries
 * addresses only (no functions, so no start lines) and the Go compiler cannot use it for PGO.
 */
final class LegacyCpuProfile {
    static final String REFUSAL = "legacy binary CPU profile (Go before 1.9) is not accepted:"
            + " it has no function information, so PGO cannot use it; record it with Go 1.9 or later";

    private LegacyCpuProfile() {}

    static boolean looksLike(byte[] b) {
        for (int width : new int[] {4, 8}) {
            for (boolean little : new boolean[] {true, false}) {
                if (b.length >= 5 * width) {
                    long n1 = word(b, 0, width, little), n2 = word(b, 1, width, little), n3 = word(b, 2, width, little);
                    long n4 = word(b, 3, width, little), n5 = word(b, 4, width, little);
                    if (n1 == 0 && n2 == 3 && (n3 == 0 || n3 == 1) && n4 != 0 && n5 == 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static long word(byte[] b, int index, int width, boolean little) {
        long v = 0;
        for (int i = 0; i < width; i++) {
            int at = index * width + (little ? width - 1 - i : i);
            v = v << 8 | (b[at] & 0xff);
        }
        return v;
    }
}
