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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The keys of one key file, each with the services it may use. A line holds a key, alone (every
 * service) or followed by service names separated by spaces or tabs ({@code KEY svc-a svc-b}: only
 * those); a {@code #} at the start of a line or after a space or tab begins a comment, so a key may
 * hold {@code #} but not start with it. The same key on several lines may use every service its
 * lines name. Tokens are compared by SHA-256 digest in constant time against every key, so timing
 * reveals neither a key nor its length, nor which key matched.
 */
public final class KeyRing {
    /** A key and the services it may use. */
    public record Entry(String key, ServiceScope scope) {}

    private final byte[][] digests;
    private final ServiceScope[] scopes;

    private KeyRing(byte[][] digests, ServiceScope[] scopes) {
        this.digests = digests;
        this.scopes = scopes;
    }

    public static KeyRing load(String variable, Path file) throws ConfigException {
        List<Entry> entries = entries(variable + "=" + file, file);
        if (entries.isEmpty()) {
            throw new ConfigException(variable + "=" + file + ": file has no keys (one key per line expected)");
        }
        return new KeyRing(entries.stream().map(e -> sha256(e.key())).toArray(byte[][]::new),
                entries.stream().map(Entry::scope).toArray(ServiceScope[]::new));
    }

    /** The keys of a key file, in order of first appearance, without their scopes (what a client sends). */
    public static List<String> read(String what, Path file) throws ConfigException {
        return entries(what, file).stream().map(Entry::key).toList();
    }

    /**
     * The keys of a key file with their scopes, in order of first appearance; a key on several lines
     * once, with the union of their scopes. Each line is trimmed of Unicode white space (a no-break
     * space included) and the file of a leading byte-order mark; a key that an HTTP client cannot
     * send in an Authorization header (anything but visible ASCII) or a name that is not a service
     * name is refused, naming the line. {@code what} names the file in messages (a variable or an option).
     */
    public static List<Entry> entries(String what, Path file) throws ConfigException {
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
        Map<String, ServiceScope> scopes = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = strip(withoutComment(strip(lines[n])));
            if (line.isEmpty()) {
                continue;
            }
            String where = what + " line " + (n + 1);
            String[] words = line.split("[ \t]+");
            String key = sendable(where, words[0]);
            ServiceScope scope = ServiceScope.ALL;
            if (words.length > 1) {
                List<String> services = new ArrayList<>();
                for (int i = 1; i < words.length; i++) {
                    String problem = ServiceName.problem(words[i]);
                    if (problem != null) {
                        throw new ConfigException(where + ": '" + printable(words[i]) + "' is not a service name ("
                                + problem + "); a line holds a key, then optionally the services it may use");
                    }
                    services.add(words[i]);
                }
                scope = ServiceScope.of(services);
            }
            scopes.merge(key, scope, KeyRing::union);
        }
        List<Entry> entries = new ArrayList<>();
        scopes.forEach((k, s) -> entries.add(new Entry(k, s)));
        return entries;
    }

    /** A line without its comment: from a {@code #} at its start or after a space or tab. */
    private static String withoutComment(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '#' && (i == 0 || line.charAt(i - 1) == ' ' || line.charAt(i - 1) == '\t')) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static ServiceScope union(ServiceScope a, ServiceScope b) {
        if (a.isAll() || b.isAll()) {
            return ServiceScope.ALL;
        }
        Set<String> both = new TreeSet<>(a.services());
        both.addAll(b.services());
        return ServiceScope.of(both);
    }

    /** A word for a one-line message: control characters shown as code points. */
    private static String printable(String word) {
        StringBuilder b = new StringBuilder();
        word.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04X", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
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
        return scopeOf(token) != null;
    }

    /**
     * The services {@code token} may use, or null when it is no key of this ring. Every digest is
     * compared (keys are distinct, so at most one matches).
     */
    public ServiceScope scopeOf(String token) {
        byte[] d = sha256(token);
        ServiceScope found = null;
        for (int i = 0; i < digests.length; i++) {
            boolean match = MessageDigest.isEqual(digests[i], d);
            found = match ? scopes[i] : found;
        }
        return found;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
