package dev.pgofleet.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.config.StorageSettings;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import dev.pgofleet.store.Compactor;
import dev.pgofleet.store.MergeService;
import dev.pgofleet.store.StorageException;
import dev.pgofleet.store.StoreOpenException;
import dev.pgofleet.store.StoredFile;
import dev.pgofleet.testing.S3Server;
import dev.pgofleet.testing.TestData;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the S3 store adds to the contract: replicas on one prefix, replacements that a replica's
 * death at any step leaves exact, merges that list again when another replica replaced their
 * inputs, the start check, and the requests a submit and a merge cost.
 */
class S3StoreTest {
    private static final DecodeLimits LIMITS = new DecodeLimits(64L << 20, 64 << 20);
    @TempDir
    static Path dir;
    static S3Server server;
    private static int prefixes;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Server.start(dir);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static String prefix() {
        return "t" + prefixes++ + "/";
    }

    private static byte[] fleet(int i) {
        return TestData.bytes(String.format("profiles/fleet/inst%03d.pprof", i));
    }

    @Test
    void coversSkipReplacedObjectsAndVoidAConflictingReplacement() {
        String a = "1795000000001-0000000001-aa.pprof", b = "1795000000002-0000000001-bb.pprof", c = "1795000000003-0000000002-aa.pprof";
        String r1 = StoredFile.rollup(1794999600000L, 1795003200000L, 1795000000100L, 2);
        String r2 = StoredFile.rollup(1794999600000L, 1795003200000L, 1795000000200L, 3);
        // Died after r1's commit, before deleting what it covers: a, b are skipped.
        Covers died = Covers.resolve(List.of(a, b, c, r1), Map.of(r1, List.of(a, b)));
        assertThat(died.live()).containsExactly(r1, c);
        // r2 replaced r1 and c; r1 and its raws are still there: only r2 counts.
        Covers chain = Covers.resolve(List.of(a, b, c, r1, r2), Map.of(r1, List.of(a, b), r2, List.of(r1, c)));
        assertThat(chain.live()).containsExactly(r2);
        assertThat(chain.covered()).containsExactlyInAnyOrder(a, b, c, r1);
        // Two replacements of the same inputs (a PUT of a killed replica landed late): the later one is void.
        Covers conflict = Covers.resolve(List.of(a, b, c, r1, r2), Map.of(r1, List.of(a, b), r2, List.of(a, b, c)));
        assertThat(conflict.live()).containsExactly(r1, c);
        assertThat(conflict.voided()).containsExactly(r2);
    }

    @Test
    void aReplicaDyingAtEachStepOfARollupLeavesEveryProfileCountedOnce() throws Exception {
        String p = prefix();
        try (S3Store store = S3Stores.open(server, p, true, 0); S3Objects raw = S3Stores.objects(server, p)) {
            Path a = store.store(fleet(1)).get(20, TimeUnit.SECONDS), b = store.store(fleet(2)).get(20, TimeUnit.SECONDS);
            Path later = store.store(fleet(3)).get(20, TimeUnit.SECONDS);
            long hour = Math.floorDiv(StoredFile.of(a).fromMillis(), 3_600_000L) * 3_600_000L;
            String rollup = StoredFile.rollup(hour, hour + 3_600_000L, System.currentTimeMillis(), 2);
            // Died after the sidecar, before the rollup's PUT (its commit point): nothing changed.
            raw.put(rollup + S3Store.COVERS, (a + "\n" + b + "\n").getBytes(StandardCharsets.UTF_8));
            assertThat(store.snapshot()).containsExactly(a, b, later);
            // Died after the commit, before deleting what it covers: the covered raws no longer count.
            raw.put(rollup, fleet(4));
            assertThat(store.snapshot()).containsExactly(Path.of(rollup), later);
            assertThat(store.storedProfiles()).isEqualTo(3);
            // The next replacement's sweep deletes them, then nothing changes for readers.
            store.sweep();
            assertThat(names(raw)).containsExactlyInAnyOrder(rollup, rollup + S3Store.COVERS, later.toString());
            assertThat(store.snapshot()).containsExactly(Path.of(rollup), later);
        }
    }

    @Test
    void aMergeWhoseInputsAnotherReplicaReplacedListsAgain() throws Exception {
        String p = prefix();
        try (S3Store owner = S3Stores.open(server, p, true, 0); S3Store other = S3Stores.open(server, p, false, 0);
             MergeService merges = new MergeService(other, LIMITS, 2)) {
            List<byte[]> raws = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                raws.add(fleet(i));
                (i % 2 == 0 ? owner : other).store(fleet(i)).get(20, TimeUnit.SECONDS);
            }
            byte[] expected = merges.merge(false).get(30, TimeUnit.SECONDS).body();
            List<Path> seen = other.snapshot();
            Compactor compactor = new Compactor(owner, LIMITS, null, 0, 2, System::currentTimeMillis, () -> false);
            try {
                assertThat(compactor.runOnce()).isEqualTo(6);
            } finally {
                compactor.close();
            }
            // What the other replica listed is gone (no grace period here): a read says so, and its merge lists again.
            assertThatThrownBy(() -> other.read(seen.get(0), 1 << 20)).isInstanceOf(ParallelFold.Vanished.class);
            // A merge on either replica gives the same bytes as before the rollup.
            assertThat(merges.merge(false).get(30, TimeUnit.SECONDS).body()).isEqualTo(expected);
            try (MergeService ownerMerges = new MergeService(owner, LIMITS, 2)) {
                assertThat(ownerMerges.merge(false).get(30, TimeUnit.SECONDS).body()).isEqualTo(expected);
            }
            // The replica that does not compact answers and_combine but leaves the replacement to the owner.
            assertThat(merges.combine(false).get(30, TimeUnit.SECONDS).body()).isEqualTo(expected);
            assertThat(other.list()).extracting(StoredFile::kind).containsExactly(StoredFile.Kind.ROLLUP);
        }
    }

    @Test
    void coveredObjectsStayForTheGracePeriodSoAReaderThatListedThemReadsThemAll() throws Exception {
        String p = prefix();
        long[] now = {System.currentTimeMillis()};
        try (S3Store owner = S3Store.open(S3Stores.objects(server, p), "test", true, 5_000, 2, 8, () -> now[0]);
             S3Store reader = S3Stores.open(server, p, false, 0)) {
            now[0] += 5_000; // the owner's start margin has passed
            Path a = owner.store(fleet(1)).get(20, TimeUnit.SECONDS), b = owner.store(fleet(2)).get(20, TimeUnit.SECONDS);
            List<Path> listed = reader.snapshot();
            long hour = Math.floorDiv(StoredFile.of(a).fromMillis(), 3_600_000L) * 3_600_000L;
            Path rollup = owner.rollup(hour, hour + 3_600_000L, List.of(a, b), fleet(3));
            assertThat(reader.snapshot()).containsExactly(rollup);
            for (Path item : listed) {
                assertThat(reader.read(item, 1 << 20)).isNotEmpty(); // still there for a merge that listed it
            }
            now[0] += 5_000;
            owner.sweep();
            assertThatThrownBy(() -> reader.read(a, 1 << 20)).isInstanceOf(ParallelFold.Vanished.class);
            assertThat(reader.snapshot()).containsExactly(rollup);
        }
    }

    @Test
    void rawProfilesSettleOnlyAfterTheMarginAndNotBeforeItHasPassedSinceTheStart() throws Exception {
        long[] now = {1_800_000_000_000L};
        try (S3Store store = S3Store.open(S3Stores.objects(server, prefix()), "test", true, 5_000, 2, 8, () -> now[0])) {
            StoredFile old = StoredFile.of(Path.of("1799999990000-0000000001-ffffffffffffffff.pprof"));
            assertThat(store.isSettled(old)).as("before the margin has passed since the start").isFalse();
            now[0] += 5_000;
            assertThat(store.isSettled(old)).isTrue();
            StoredFile young = StoredFile.of(Path.of((now[0] - 4_000) + "-0000000001-ffffffffffffffff.pprof"));
            assertThat(store.isSettled(young)).isFalse();
        }
    }

    @Test
    void aSubmitCostsOnePutAndAMergeOneListAndOneGetPerObject() throws Exception {
        try (S3Store store = S3Stores.open(server, prefix(), true, 0); MergeService merges = new MergeService(store, LIMITS, 2)) {
            Map<String, Long> before = store.requests();
            for (int i = 1; i <= 5; i++) {
                store.store(fleet(i)).get(20, TimeUnit.SECONDS);
            }
            assertThat(diff(before, store.requests())).isEqualTo(Map.of("PUT", 5L));
            before = store.requests();
            merges.merge(false).get(30, TimeUnit.SECONDS);
            assertThat(diff(before, store.requests())).isEqualTo(Map.of("LIST", 1L, "GET", 5L));
            before = store.requests();
            merges.merge(false).get(30, TimeUnit.SECONDS);
            assertThat(diff(before, store.requests())).as("nothing new: the listing matches the cached merge").isEqualTo(Map.of("LIST", 1L));
        }
    }

    @Test
    void anUnreachableOrForbiddenBucketStopsTheStartWithOneLineNamingTheSetting() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        StorageSettings nowhere = new StorageSettings(S3Server.BUCKET, "", URI.create("http://127.0.0.1:" + closed), "us-east-1", true,
                Duration.ofSeconds(4));
        S3Server.useTestCredentials();
        assertThatThrownBy(() -> S3Store.open(nowhere, true, 1, 4)).isInstanceOf(StoreOpenException.class)
                .hasMessageStartingWith("PGOF_STORAGE=s3://pgof-test/: the bucket is not reachable or not writable")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception").doesNotContain("\n"));
        StorageSettings missing = new StorageSettings("no-such-bucket", "x/", server.endpoint(), "us-east-1", true, Duration.ofSeconds(4));
        assertThatThrownBy(() -> S3Store.open(missing, true, 1, 4)).isInstanceOf(StoreOpenException.class)
                .hasMessageContaining("PGOF_STORAGE=s3://no-such-bucket/x/").hasMessageContaining("NoSuchBucket")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception"));
    }

    @Test
    void aBucketThatCannotBeWrittenMakesTheStoreUnreadyNamingItsLocationInWords() throws Exception {
        String prefix = prefix();
        try (S3Store store = S3Stores.open(server, prefix, true, 0)) {
            store.checkWritable().get(20, TimeUnit.SECONDS);
            server.stop();
            try {
                assertThatThrownBy(() -> store.checkWritable().get(60, TimeUnit.SECONDS)).cause()
                        .isInstanceOf(StorageException.class)
                        .hasMessageStartingWith("s3://" + S3Server.BUCKET + "/" + prefix + ": ")
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception").doesNotContain("\n"));
            } finally {
                server.start();
            }
            store.checkWritable().get(20, TimeUnit.SECONDS);
        }
    }

    private static Map<String, Long> diff(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new java.util.TreeMap<>();
        after.forEach((k, v) -> {
            long n = v - before.getOrDefault(k, 0L);
            if (n != 0) {
                d.put(k, n);
            }
        });
        return d;
    }

    private static Set<String> names(S3Objects objects) throws Exception {
        Set<String> s = new java.util.HashSet<>();
        objects.list().forEach(o -> s.add(o.key().substring(objects.prefix().length())));
        return s;
    }
}
