package dev.pgofleet.server;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.regex.Pattern;

/**
 * The request target (RFC 9112 section 3.2) of a request head: origin form ({@code /v1/submit?x=y})
 * or absolute form ({@code http://host/v1/submit}), percent-escapes checked before anything is
 * decoded. A path with an encoded {@code /} ({@code %2F}) matches no route: decoded, it would name
 * a different resource than the one the client's URL has.
 */
final class RequestTarget {
    private static final Pattern ABSOLUTE = Pattern.compile("(?i)https?://[^/?#]*");

    /** A target that cannot be routed; the message is the one-line reason for the 400. */
    static final class BadTargetException extends Exception {
        private static final long serialVersionUID = 1L;

        BadTargetException(String reason) {
            super(reason, null, false, false);
        }
    }

    private RequestTarget() {}

    /** The decoded path and query of a target; the path is null when it matches no route. */
    static Target parse(String uri) throws BadTargetException {
        if (uri.indexOf('#') >= 0) {
            throw new BadTargetException("bad request: fragment (#) in the request target");
        }
        String pathAndQuery = uri;
        var absolute = ABSOLUTE.matcher(uri);
        if (absolute.lookingAt()) {
            pathAndQuery = uri.substring(absolute.end());
            if (pathAndQuery.isEmpty() || pathAndQuery.charAt(0) == '?') {
                pathAndQuery = "/" + pathAndQuery;
            }
        } else if (!uri.startsWith("/")) {
            throw new BadTargetException("bad request: the request target must be a path or an http URL");
        }
        int q = pathAndQuery.indexOf('?');
        String rawPath = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        checkEscapes(rawPath, "path");
        if (q >= 0) {
            checkEscapes(pathAndQuery.substring(q + 1), "query");
        }
        QueryStringDecoder decoded = new QueryStringDecoder(pathAndQuery);
        boolean encodedSlash = rawPath.contains("%2F") || rawPath.contains("%2f");
        return new Target(encodedSlash ? null : decoded.path(), decoded);
    }

    private static void checkEscapes(String s, String where) throws BadTargetException {
        for (int i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
            if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
                throw new BadTargetException("bad request: malformed percent-escape in the " + where);
            }
        }
    }

    /** A parsed target: the decoded path (null when it cannot name a route) and the query parameters. */
    record Target(String path, QueryStringDecoder query) {}
}
