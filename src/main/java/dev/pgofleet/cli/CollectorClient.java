package dev.pgofleet.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Talks to a collector with the retry rules every command shares: 503 and 429 are retried after
 * their Retry-After, connection errors with exponential backoff and jitter, up to a number of
 * attempts. Other answers are returned as they are.
 */
final class CollectorClient {
    /** The collector could not be reached (or kept shedding) after every attempt. */
    static final class UnreachableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreachableException(String message) {
            super(message, null, false, false);
        }
    }

    private final URI base;
    private final String key;
    private final int attempts;
    private final Duration backoff;
    private final Consumer<String> log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    CollectorClient(URI base, String key, int attempts, Duration backoff, Consumer<String> log) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.key = key;
        this.attempts = Math.max(1, attempts);
        this.backoff = backoff;
        this.log = log;
    }

    HttpResponse<byte[]> post(String pathAndQuery, byte[] body, String ifNoneMatch)
            throws UnreachableException, InterruptedException {
        return post(pathAndQuery, body, ifNoneMatch, n -> {});
    }

    /** As {@link #post(String, byte[], String)}, reporting the bytes of the answer received so far. */
    HttpResponse<byte[]> post(String pathAndQuery, byte[] body, String ifNoneMatch, java.util.function.LongConsumer received)
            throws UnreachableException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (ifNoneMatch != null) {
            b.header("If-None-Match", ifNoneMatch);
        }
        HttpRequest request = b.build();
        String last = "";
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Duration wait;
            try {
                HttpResponse<byte[]> r = http.send(request, info -> counting(HttpResponse.BodySubscribers.ofByteArray(), received));
                if (r.statusCode() != 503 && r.statusCode() != 429) {
                    return r;
                }
                last = "HTTP " + r.statusCode() + " " + new String(r.body()).trim();
                wait = retryAfter(r).orElse(delay(attempt));
            } catch (IOException e) {
                last = reason(e);
                wait = delay(attempt);
            }
            if (attempt < attempts) {
                log.accept(String.format("%s%s: %s; retrying in %.1fs (attempt %d of %d)", base, pathAndQuery, last,
                        wait.toMillis() / 1000.0, attempt + 1, attempts));
                Thread.sleep(wait.toMillis());
            }
        }
        throw new UnreachableException(base + pathAndQuery + ": " + last + " (after " + attempts + " attempts)");
    }

    /** Why a request failed, in words: "connection refused", never an exception's class name. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return "host cannot be resolved";
            }
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "connection timed out";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time";
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "TLS failed" + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        if (e instanceof java.io.EOFException || e.getMessage() == null) {
            return "connection closed before an answer";
        }
        String m = e.getMessage();
        if (m.contains("Exception")) {
            return "connection failed"; // a wrapped exception's class name is no reason for a user
        }
        return m.toLowerCase(java.util.Locale.ROOT).contains("reset") ? "connection reset" : m;
    }

    /** Passes the body through, reporting how many bytes have arrived. */
    private static <T> HttpResponse.BodySubscriber<T> counting(HttpResponse.BodySubscriber<T> inner,
                                                              java.util.function.LongConsumer received) {
        return new HttpResponse.BodySubscriber<>() {
            private long total;

            @Override
            public java.util.concurrent.CompletionStage<T> getBody() {
                return inner.getBody();
            }

            @Override
            public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                inner.onSubscribe(s);
            }

            @Override
            public void onNext(java.util.List<java.nio.ByteBuffer> items) {
                for (java.nio.ByteBuffer b : items) {
                    total += b.remaining();
                }
                received.accept(total);
                inner.onNext(items);
            }

            @Override
            public void onError(Throwable t) {
                inner.onError(t);
            }

            @Override
            public void onComplete() {
                inner.onComplete();
            }
        };
    }

    /** Exponential backoff with full jitter, capped at 30 s. */
    private Duration delay(int attempt) {
        long cap = Math.min(30_000, backoff.toMillis() << Math.min(attempt - 1, 16));
        return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
    }

    private static java.util.Optional<Duration> retryAfter(HttpResponse<?> r) {
        return r.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                return java.util.Optional.of(Duration.ofSeconds(Math.min(300, Long.parseLong(v.trim()))));
            } catch (NumberFormatException notSeconds) {
                try {
                    Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
                    return java.util.Optional.of(d.isNegative() ? Duration.ZERO : d);
                } catch (RuntimeException bad) {
                    return java.util.Optional.empty();
                }
            }
        });
    }
}
