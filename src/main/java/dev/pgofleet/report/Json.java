package dev.pgofleet.report;

/**
 * Minimal JSON output, for the web page's data and JSON log lines. Strings are escaped so that no
 * profile or request string can end the string or be read as markup: quotes, backslashes,
 * control characters, DEL, lone surrogates, {@code < > &} and the JavaScript line separators
 * become escapes.
 */
public final class Json {
    private Json() {}

    public static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029'
                            || Character.isSurrogate(c) && !pairedSurrogate(s, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean pairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    public static String string(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        string(s, b);
        return b.toString();
    }

    /** A finite number as JSON (shares and percentages), rounded to 4 decimals. */
    public static String number(double d) {
        if (!Double.isFinite(d)) {
            return "0";
        }
        return java.math.BigDecimal.valueOf(Math.round(d * 10000) / 10000.0).stripTrailingZeros().toPlainString();
    }
}
