package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ProfileWriter;
import dev.pgofleet.pprof.ValidProfile;
import dev.pgofleet.store.StoredFile.Kind;
import dev.pgofleet.testing.Canonical;
import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Rollups on a real disk: whatever the arrival order and bucket boundaries, merging them is merging the raw profiles. */
class CompactorTest {
    private static final DecodeLimits LIMITS = new DecodeLimits(64L << 20, 64 << 20);
    private static final long HOUR = Compactor.HOUR, DAY = Compactor.DAY;
    /** Midnight UTC, ten days ago: every bucket used here is over, so every day can be rolled. */
    private static final long DAY0 = Compactor.floor(System.currentTimeMillis(), DAY) - 10 * DAY;

    @TempDir
    Path dir;

    /** Arrival orders of the fleet fixtures and the times they arrive at: across minutes, hours, a day boundary. */
    static Stream<Arguments> arrivals() {
        return Stream.of(
                Arguments.of("one hour", 1L, 60_000L, 1),
                Arguments.of("hour boundaries", 2L, 7 * 60_000L, 3),
                Arguments.of("day boundary", 3L, DAY / 20, 5),
                Arguments.of("same millisecond", 4L, 0L, 2),
                Arguments.of("shuffled, passes every file", 5L, 11 * 60_000L, 24));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("arrivals")
    void rollupMergeEqualsRawMerge(String name, long seed, long spacingMillis, int passes) throws Exception {
        List<Path> fleet = new ArrayList<>(TestData.fleet());
        Collections.shuffle(fleet, new Random(seed));
        long start = DAY0 + 22 * HOUR + 13 * 60_000L; // 22:13: the run crosses hours and, with wide spacing, midnight
        List<byte[]> inputs = new ArrayList<>();
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            Compactor compactor = new Compactor(store, LIMITS, null, 0, 2, System::currentTimeMillis, () -> false);
            int perPass = (fleet.size() + passes - 1) / passes;
            for (int i = 0; i < fleet.size(); i++) {
                byte[] body = Files.readAllBytes(fleet.get(i));
                inputs.add(body);
                putRaw(start + i * spacingMillis, i + 1, body);
                if ((i + 1) % perPass == 0) {
                    compactor.runOnce();
                }
            }
            compactor.runOnce();
            compactor.close();

            List<StoredFile> files = store.list();
            assertThat(files).as("everything folded").noneMatch(f -> f.kind() == Kind.RAW);
            assertThat(StoredFile.profiles(files)).isEqualTo(fleet.size());
            byte[] viaRollups = mergeStore(store);
            byte[] direct = rawMerge(inputs);
            assertThat(Canonical.of(viaRollups)).isEqualTo(Canonical.of(direct));
            assertThat(viaRollups).as("byte-identical to merging the raw profiles").isEqualTo(direct);
        }
    }

    @Test
    void finishedDaysBecomeOneDailyRollupAndTheCurrentHourStaysHourly() throws Exception {
        byte[] p = TestData.bytes("profiles/fleet/inst001.pprof");
        long now = System.currentTimeMillis();
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            putRaw(DAY0 + HOUR, 1, p);
            putRaw(DAY0 + 5 * HOUR, 2, p);
            putRaw(DAY0 + DAY + 2 * HOUR, 3, p);
            putRaw(now - 1000, 4, p);
            new Compactor(store, LIMITS, null, 0, 1, System::currentTimeMillis, () -> false).runOnce();

            List<StoredFile> files = store.list();
            assertThat(files).extracting(f -> f.toMillis() - f.fromMillis()).containsExactly(DAY, DAY, HOUR);
            assertThat(files).extracting(StoredFile::profiles).containsExactly(2L, 1L, 1L);
            assertThat(files.get(0).fromMillis()).isEqualTo(DAY0);
            assertThat(Profiles.total(mergeStore(store), 0)).isEqualTo(4 * Profiles.total(p, 0));
        }
    }

    @Test
    void retentionDeletesWhatIsOlderThanItsWindowAtBucketGranularity() throws Exception {
        byte[] p = TestData.bytes("profiles/fleet/inst002.pprof");
        long now = DAY0 + 9 * DAY + 12 * HOUR;
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            putRaw(DAY0 + 3 * HOUR, 1, p);             // day 0: older than 2 days
            putRaw(DAY0 + 7 * DAY + 13 * HOUR, 2, p);  // day 7, 13:00: its day ends 1.5 days before now, kept
            putRaw(DAY0 + 9 * DAY + HOUR, 3, p);
            ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Compactor.class);
            ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
            logged.start();
            logger.addAppender(logged);
            ch.qos.logback.classic.Level level = logger.getLevel();
            logger.setLevel(ch.qos.logback.classic.Level.INFO);
            try {
                new Compactor(store, LIMITS, Duration.ofDays(2), 0, 1, () -> now, () -> false).runOnce();
            } finally {
                logger.setLevel(level);
                logger.detachAppender(logged);
            }

            assertThat(store.list()).extracting(StoredFile::fromMillis).containsExactly(DAY0 + 7 * DAY, DAY0 + 9 * DAY);
            assertThat(StoredFile.profiles(store.list())).isEqualTo(2);
            assertThat(logged.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .filteredOn(m -> m.startsWith("retention: deleted"))
                    .singleElement().asString().contains("PGOF_RETENTION=48h", "received before");
        }
    }

    @Test
    void maxStoreBytesDropsTheOldestFirstAndKeepsTheNewest() throws Exception {
        byte[] p = TestData.bytes("profiles/fleet/inst003.pprof");
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            for (int d = 0; d < 4; d++) {
                putRaw(DAY0 + d * DAY + HOUR, d + 1, p);
            }
            Compactor first = new Compactor(store, LIMITS, null, 0, 1, System::currentTimeMillis, () -> false);
            first.runOnce();
            List<StoredFile> before = store.list();
            assertThat(before).hasSize(4);
            long twoFiles = Files.size(before.get(2).path()) + Files.size(before.get(3).path());

            Compactor limited = new Compactor(store, LIMITS, null, twoFiles, 1, System::currentTimeMillis, () -> false);
            limited.runOnce();
            assertThat(store.list()).extracting(StoredFile::path).containsExactly(before.get(2).path(), before.get(3).path());
            assertThat(limited.deletedFiles()).isEqualTo(2);

            new Compactor(store, LIMITS, null, 1, 1, System::currentTimeMillis, () -> false).runOnce();
            assertThat(store.list()).as("the newest file stays, however small the limit")
                    .extracting(StoredFile::path).containsExactly(before.get(3).path());
        }
    }

    @Test
    void windowsCountWholeBuckets() throws Exception {
        byte[] p = TestData.bytes("profiles/fleet/inst004.pprof");
        long perProfile = Profiles.total(p, 0);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); MergeService merges = new MergeService(store, LIMITS, 2)) {
            putRaw(DAY0 + HOUR, 1, p);
            putRaw(DAY0 + 2 * DAY + 10 * HOUR, 2, p);
            putRaw(DAY0 + 2 * DAY + 11 * HOUR, 3, p);
            long lastRaw = DAY0 + 2 * DAY + 12 * HOUR;
            putRaw(lastRaw, 4, p);
            new Compactor(store, LIMITS, null, 0, 1, System::currentTimeMillis, () -> false).runOnce();
            long since = DAY0 + 2 * DAY + 23 * HOUR; // late on day 2: its daily rollup counts whole

            assertThat(Profiles.total(merges.mergeSince(false, since).join().body(), 0)).isEqualTo(3 * perProfile);
            assertThat(merges.mergeSince(false, DAY0 + 3 * DAY).join().isEmpty()).isTrue();
            assertThat(merges.mergeSince(false, Instant.EPOCH.toEpochMilli()).join().profiles()).isEqualTo(4);
        }
    }

    @Test
    void storedProfilesAreFoldedOnceSettledAndAnUnreadableOneIsQuarantined() throws Exception {
        byte[] p = TestData.bytes("profiles/fleet/inst005.pprof");
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            Path stored = store.store(p).join();
            StoredFile acked = StoredFile.of(stored);
            assertThat(store.isSettled(acked)).isTrue();
            StoredFile notYetWritten = StoredFile.of(dir.resolve(StoredFile.raw(acked.fromMillis(), acked.seq() + 1, acked.boot())));
            assertThat(store.isSettled(notYetWritten)).as("a name this boot may still give out").isFalse();
            putRaw(DAY0 + HOUR, 1, new byte[] {0x1f, (byte) 0x8b, 8, 0});
            Compactor c = new Compactor(store, LIMITS, null, 0, 1, System::currentTimeMillis, () -> false);
            assertThat(c.runOnce()).isEqualTo(2);
            assertThat(Files.exists(stored)).as("this boot's settled profile is folded").isFalse();
            assertThat(store.list()).singleElement().satisfies(f -> assertThat(f.kind()).isEqualTo(Kind.ROLLUP));
            try (Stream<Path> q = Files.list(dir.resolve("quarantine"))) {
                assertThat(q).hasSize(1);
            }
        }
    }

    @Test
    void aMergeOverABacklogHasTheCompactorFoldItFirst() throws Exception {
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < MergeService.CATCH_UP_ABOVE + 40; i++) {
            inputs.add(Files.readAllBytes(TestData.fleet().get(i % TestData.fleet().size())));
            putRaw(DAY0 + 3 * HOUR + i, i + 1, inputs.get(i));
        }
        try (ProfileStore store = ProfileStore.open(dir, 2, 64); MergeService merges = new MergeService(store, LIMITS, 2)) {
            Compactor compactor = new Compactor(store, LIMITS, null, 0, 2, System::currentTimeMillis, () -> true);
            merges.useCompactor(compactor);
            byte[] merged = merges.merge(false).join().body();
            compactor.close();
            assertThat(store.list()).as("folded once, into a rollup, even with submits busy").singleElement()
                    .satisfies(f -> assertThat(f.kind()).isEqualTo(Kind.ROLLUP));
            assertThat(merged).isEqualTo(rawMerge(inputs));
        }
    }

    /** With submits busy, a pass waits before it reads a raw file, even one of a handful; once they are not, it goes on. */
    @Test
    void whileSubmitsAreBusyAPassWaitsBeforeReadingRawFiles() throws Exception {
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inputs.add(Files.readAllBytes(TestData.fleet().get(i)));
            putRaw(DAY0 + 3 * HOUR + i, i + 1, inputs.get(i));
        }
        AtomicBoolean busy = new AtomicBoolean(true);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64);
             Compactor compactor = new Compactor(store, LIMITS, null, 0, 2, System::currentTimeMillis, busy::get)) {
            AtomicInteger folded = new AtomicInteger();
            compactor.foldCheck = p -> folded.incrementAndGet();
            CompletableFuture<Integer> pass = CompletableFuture.supplyAsync(() -> {
                try {
                    return compactor.runOnce();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            Poll.until("a thread waiting for the submits", Duration.ofSeconds(10), () -> Thread.getAllStackTraces().values().stream()
                    .anyMatch(stack -> Stream.of(stack).anyMatch(f -> f.getMethodName().equals("yieldToSubmits"))));
            assertThat(folded).as("nothing read yet").hasValue(0);
            assertThat(pass).isNotDone();
            busy.set(false);

            assertThat(pass.get(10, TimeUnit.SECONDS)).isEqualTo(3);
            assertThat(store.list()).singleElement().satisfies(f -> assertThat(f.kind()).isEqualTo(Kind.ROLLUP));
            assertThat(Canonical.of(Files.readAllBytes(store.list().get(0).path()))).isEqualTo(Canonical.of(rawMerge(inputs)));
        }
    }

    @Test
    void namesAfterARestartSortAfterEverythingStoredBefore() throws Exception {
        long future = System.currentTimeMillis() + HOUR; // a rollup made by a clock that was ahead
        String rollup = StoredFile.rollup(Compactor.floor(future, HOUR), Compactor.floor(future, HOUR) + HOUR, future, 3);
        Files.write(dir.resolve(rollup), TestData.bytes("profiles/fleet/inst006.pprof"));
        assertThat(StoredFile.of(dir.resolve("1795633878395-0000000001-abc12c.pprof")).kind())
                .as("a boot id ending in c is still a raw name").isEqualTo(Kind.RAW);
        try (ProfileStore store = ProfileStore.open(dir, 2, 64)) {
            Path next = store.store(TestData.bytes("profiles/fleet/inst006.pprof")).join();
            assertThat(StoredFile.of(next).fromMillis()).isGreaterThan(future);
            assertThat(store.snapshot()).containsExactly(dir.resolve(rollup), next);
        }
    }

    private void putRaw(long receivedMillis, long seq, byte[] body) throws Exception {
        Files.write(dir.resolve(StoredFile.raw(receivedMillis, seq, "0ther0")), body);
    }

    private static byte[] mergeStore(ProfileStore store) throws Exception {
        try (MergeService merges = new MergeService(store, LIMITS, 2)) {
            return merges.merge(false).join().body();
        }
    }

    private static byte[] rawMerge(List<byte[]> inputs) throws Exception {
        ProfileMerger m = new ProfileMerger(true);
        for (byte[] b : inputs) {
            m.add(ValidProfile.parse(b, LIMITS));
        }
        return ProfileWriter.write(m.result());
    }
}
