package dev.pgofleet.server;

import dev.pgofleet.config.CollectorConfig;
import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.KeyRing;
import dev.pgofleet.store.Threads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the key files without a restart: on request (SIGHUP) and when either file changes on
 * disk (checked every few seconds). A reload that fails keeps the previous keys and logs an error,
 * so a half-written or emptied file never locks every client out.
 */
public final class KeyReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyReloader.class);
    private final AuthKeys keys;
    private final Path submitFile, mergeFile;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Threads.named("key-reload"));
    private List<Object> lastSeen;
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();

    public KeyReloader(AuthKeys keys, CollectorConfig config, Duration every) {
        this.keys = keys;
        this.submitFile = config.submitKeysFile();
        this.mergeFile = config.mergeKeysFile();
        this.lastSeen = fingerprint();
        long ms = every.toMillis();
        timer.scheduleWithFixedDelay(this::reloadIfChanged, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Reloads now (SIGHUP); safe from any thread. */
    public void reloadNow() {
        timer.execute(() -> reload("SIGHUP"));
    }

    private void reloadIfChanged() {
        List<Object> now = fingerprint();
        if (!now.equals(lastSeen)) {
            lastSeen = now;
            reload("key file changed");
        }
    }

    private void reload(String why) {
        try {
            KeyRing submit = KeyRing.load(CollectorConfig.SUBMIT_KEYS, submitFile);
            KeyRing merge = KeyRing.load(CollectorConfig.MERGE_KEYS, mergeFile);
            keys.replace(submit, merge);
            log.info("reloaded keys ({}): {} submit, {} merge", why, submit.size(), merge.size());
        } catch (ConfigException e) {
            failures.incrementAndGet();
            log.error("key reload failed ({}), keeping the previous keys: {}", why, e.getMessage());
        }
    }

    /** Reloads that failed so far (pgof_key_reload_failures_total). */
    public long failures() {
        return failures.get();
    }

    /** Modification time, size and inode-ish identity of both files: what changes when a file is rewritten or replaced. */
    private List<Object> fingerprint() {
        return List.of(stamp(submitFile), stamp(mergeFile));
    }

    private static Object stamp(Path p) {
        try {
            return List.of(Files.getLastModifiedTime(p).toMillis(), Files.size(p),
                    String.valueOf(Files.readAttributes(p, "unix:ino").get("ino")));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "missing";
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
