package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.ParallelFold;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A merge whose input vanished under it (another replica replaced it) lists again and gives the full merge, never a partial one. */
class MergeRelistTest {
    private static final DecodeLimits LIMITS = new DecodeLimits(64L << 20, 64 << 20);

    @TempDir
    Path dir;

    /** The store, whose reads say "gone" for the first {@code vanishing} reads. */
    private static ProfileStore vanishingFirst(ProfileStore store, int vanishing, AtomicInteger reads) {
        return (ProfileStore) Proxy.newProxyInstance(ProfileStore.class.getClassLoader(), new Class<?>[] {ProfileStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("read") && reads.incrementAndGet() <= vanishing) {
                        throw new ParallelFold.Vanished((Path) args[0]);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aVanishedInputMakesTheMergeListAgain() throws Exception {
        byte[] expected;
        try (ProfileStore store = ProfileStore.open(dir, 2, 16); MergeService plain = new MergeService(store, LIMITS, 2)) {
            for (int i = 1; i <= 4; i++) {
                store.store(StoreContract.fleet(i)).get(20, TimeUnit.SECONDS);
            }
            expected = plain.merge(false).get(30, TimeUnit.SECONDS).body();
            AtomicInteger reads = new AtomicInteger();
            try (MergeService merges = new MergeService(vanishingFirst(store, 3, reads), LIMITS, 1)) {
                MergeResult r = merges.merge(false).get(30, TimeUnit.SECONDS);
                assertThat(r.body()).isEqualTo(expected);
                assertThat(r.profiles()).isEqualTo(4);
                assertThat(reads.get()).as("the reads of three attempts that met a vanished input, then of the full merge")
                        .isGreaterThanOrEqualTo(3 + 4);
            }
        }
    }

    @Test
    void aStoreThatKeepsChangingGivesAFailureNotAPartialMerge() throws Exception {
        try (ProfileStore store = ProfileStore.open(dir, 2, 16)) {
            store.store(StoreContract.fleet(1)).get(20, TimeUnit.SECONDS);
            try (MergeService merges = new MergeService(vanishingFirst(store, Integer.MAX_VALUE, new AtomicInteger()), LIMITS, 1)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> merges.merge(false).get(30, TimeUnit.SECONDS))
                        .hasRootCauseInstanceOf(ParallelFold.Vanished.class)
                        .hasMessageContaining("the store kept changing during the merge");
            }
        }
    }
}
