package dev.pgofleet.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(variable + "=" + file + ": file does not exist");
        } catch (IOException e) {
            throw new ConfigException(variable + "=" + file + ": cannot read: " + e.getMessage());
        }
        byte[][] digests = lines.stream().map(String::trim).filter(l -> !l.isEmpty()).map(KeyRing::sha256)
                .toArray(byte[][]::new);
        if (digests.length == 0) {
            throw new ConfigException(variable + "=" + file + ": file has no keys (one key per line expected)");
        }
        return new KeyRing(digests);
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
