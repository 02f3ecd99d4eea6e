package dev.pgofleet.config;

/**
 * A service's name: what {@code ?service=NAME} selects, a store of its own. 1 to 64 characters of
 * {@code [a-z0-9._-]}, starting with a letter or digit, so that a name is also a safe directory
 * or object-key segment (no {@code ..}, no {@code /}, no case folding between file systems).
 */
public final class ServiceName {
    /** The service of a request that names none: today's clients and stores. */
    public static final String DEFAULT = "default";
    public static final int MAX_LENGTH = 64;

    private ServiceName() {}

    /** The one-line reason {@code name} is not a service name, or null when it is one. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "empty service name";
        }
        if (name.length() > MAX_LENGTH) {
            return "service name longer than " + MAX_LENGTH + " characters";
        }
        if (!letterOrDigit(name.charAt(0))) {
            return "a service name starts with a lower-case letter or digit";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!letterOrDigit(c) && c != '.' && c != '_' && c != '-') {
                return "a service name holds only a-z, 0-9, '.', '_' and '-'";
            }
        }
        if (name.contains("..")) {
            return "a service name cannot hold '..'";
        }
        return null;
    }

    public static boolean isValid(String name) {
        return problem(name) == null;
    }

    private static boolean letterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
