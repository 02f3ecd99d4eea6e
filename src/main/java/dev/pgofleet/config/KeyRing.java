package dev.pgofleet.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys of one key file (one per line, blank lines ignored, spaces trimmed). Tokens are compared
 * by SHA-256 digest in constant time against every key, so timing reveals neither a key nor its length.
 */
public final class KeyRing {
    private final byte[][] digests;

    private KeyRing(byte[][] digests) {
        this.digests = digests;
    }

    public static KeyRing load(String variable, Path file) throws ConfigException {
        byte[][] digests = read(variable + "=" + file, file).stream().map(KeyRing::sha256).toArray(byte[][]::new);
        if (digests.length == 0) {
            throw new ConfigException(variable + "=" + file + ": file has no keys (one key per line expected)");
        }
        return new KeyRing(digests);
    }

    /**
     * The keys of a key file, in order. Each line is trimmed of Unicode white space (a no-break
     * space included) and the file of a leading byte-order mark; a key that an HTTP client cannot
     * send in an Authorization header (anything but visible ASCII) is refused, naming the line,
     * since it could never match. {@code what} names the file in messages (a variable or an option).
     */
    public static List<String> read(String what, Path file) throws ConfigException {
        String text;
        try {
            // Malformed UTF-8 becomes U+FFFD and is then refused with its line number.
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(what + ": file does not exist");
        } catch (AccessDeniedException e) {
            throw new ConfigException(what + ": cannot read: permission denied");
        } catch (IOException e) {
            throw new ConfigException(what + ": cannot read: " + (e.getMessage() == null ? "I/O error" : e.getMessage()));
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> keys = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int n = 0; n < lines.length; n++) {
            String key = strip(lines[n]);
            if (key.isEmpty()) {
                continue;
            }
            keys.add(sendable(what + " line " + (n + 1), key));
        }
        return keys;
    }

    /**
     * {@code key} trimmed of Unicode white space, when an HTTP client can send it in a header
     * (visible ASCII); {@code what} names where it came from in the message otherwise.
     */
    public static String sendable(String what, String key) throws ConfigException {
        String k = strip(key);
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new ConfigException(what + ": the key holds " + describe(c)
                        + ", which cannot be sent in an HTTP header; a key is visible ASCII without spaces");
            }
        }
        return k;
    }

    private static String strip(String s) {
        int b = 0, e = s.length();
        while (b < e && blank(s.charAt(b))) {
            b++;
        }
        while (e > b && blank(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(b, e);
    }

    private static boolean blank(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF' || c == '\u200B';
    }

    private static String describe(char c) {
        if (c == ' ' || Character.isSpaceChar(c) || Character.isWhitespace(c)) {
            return String.format("a space (U+%04X)", (int) c);
        }
        if (c == '\uFFFD') {
            return "bytes that are not UTF-8";
        }
        return String.format("the character U+%04X", (int) c);
    }

    public int size() {
        return digests.length;
    }

    public boolean accepts(String token) {
        byte[] d = sha256(token);
        boolean ok = false;
        for (byte[] k : digests) {
            ok |= MessageDigest.isEqual(k, d);
        }
        return ok;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
