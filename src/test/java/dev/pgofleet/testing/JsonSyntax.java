package dev.pgofleet.testing;

/** A strict JSON syntax check (RFC 8259), enough to tell that a log line is one JSON value. */
public final class JsonSyntax {
    private final String s;
    private int i;

    private JsonSyntax(String s) {
        this.s = s;
    }

    public static boolean isJson(String text) {
        JsonSyntax p = new JsonSyntax(text);
        try {
            p.value();
            p.ws();
            return p.i == text.length();
        } catch (IllegalStateException | StringIndexOutOfBoundsException e) {
            return false;
        }
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
    }

    private void value() {
        ws();
        char c = s.charAt(i);
        switch (c) {
            case '{' -> composite('}', true);
            case '[' -> composite(']', false);
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void composite(char close, boolean object) {
        i++;
        ws();
        if (s.charAt(i) == close) {
            i++;
            return;
        }
        while (true) {
            if (object) {
                ws();
                string();
                ws();
                expect(':');
            }
            value();
            ws();
            if (s.charAt(i) == ',') {
                i++;
            } else {
                expect(close);
                return;
            }
        }
    }

    private void string() {
        expect('"');
        while (s.charAt(i) != '"') {
            char c = s.charAt(i++);
            if (c < 0x20) {
                throw new IllegalStateException("control character in string");
            }
            if (c == '\\') {
                char e = s.charAt(i++);
                if (e == 'u') {
                    Integer.parseInt(s.substring(i, i + 4), 16);
                    i += 4;
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw new IllegalStateException("bad escape");
                }
            }
        }
        i++;
    }

    private void number() {
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        if (start == i) {
            throw new IllegalStateException("unexpected character");
        }
        Double.parseDouble(s.substring(start, i));
    }

    private void literal(String word) {
        if (!s.startsWith(word, i)) {
            throw new IllegalStateException("bad literal");
        }
        i += word.length();
    }

    private void expect(char c) {
        if (s.charAt(i) != c) {
            throw new IllegalStateException("expected " + c);
        }
        i++;
    }
}
