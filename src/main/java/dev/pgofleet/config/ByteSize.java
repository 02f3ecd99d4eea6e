package dev.pgofleet.config;

import java.util.Locale;

/** A number of bytes: {@code 16777216}, {@code 16MiB}, {@code 512KiB}, {@code 16m} (as the JVM's -Xmx), {@code 2GB} (powers of 1000). */
public final class ByteSize {
    public static final String EXPECTED = "expected a number of bytes such as 16777216, 16MiB, 512KiB or 1GiB";

    private ByteSize() {}

    /** @throws IllegalArgumentException with a plain message saying what is expected */
    public static long parse(String text) {
        String s = text.trim();
        int i = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException(EXPECTED);
        }
        long unit = switch (s.substring(i).trim().toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1L;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "t", "tib" -> 1L << 40;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            default -> throw new IllegalArgumentException(EXPECTED);
        };
        try {
            return Math.multiplyExact(Long.parseLong(s.substring(0, i)), unit);
        } catch (ArithmeticException | NumberFormatException tooLarge) {
            throw new IllegalArgumentException("too large");
        }
    }
}
