package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry of services on a real disk: where each store lies, the limit, reopening, and the threads it costs. */
class ServicesTest {
    @TempDir
    Path tmp;

    private Services open(Path root, int maxServices) throws Exception {
        ProfileStore root0 = ProfileStore.open(root, 2, 64);
        return Services.open(root0, new DiskServiceStores(root, 2, 256, DecodeLimits.DEFAULT),
                new Services.Settings(DecodeLimits.DEFAULT, null, 0, 2, maxServices, Duration.ofHours(1),
                        System::currentTimeMillis, () -> false));
    }

    @Test
    void manyServicesShareTheirThreadsAndReopenAsTheyWere() throws Exception {
        Path root = tmp.resolve("store");
        byte[] profile = TestData.bytes("profiles/fleet/inst001.pprof");
        int before;
        try (Services s = open(root, 1000)) {
            s.defaultService().store().store(profile).join();
            s.defaultService().merges().merge(false).join();
            before = Thread.activeCount();
            List<CompletableFuture<Path>> writes = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                Services.Service svc = s.create("svc-" + i);
                writes.add(svc.store().store(profile));
                writes.add(svc.store().store(profile));
            }
            writes.forEach(CompletableFuture::join);
            for (int i = 0; i < 60; i++) {
                assertThat(s.get("svc-" + i).merges().merge(false).join().profiles()).isEqualTo(2);
            }
            int after = Thread.activeCount();
            System.out.printf("threads: %d with the default service, %d with 60 more services%n", before, after);
            assertThat(after - before).as("threads for 60 more services").isLessThan(10);
            assertThat(s.count()).isEqualTo(61);
            assertThat(s.all()).extracting(Services.Service::name).startsWith("default", "svc-0", "svc-1", "svc-10");
        }
        assertThat(Files.list(root).filter(p -> p.toString().endsWith(".pprof")).count()).isEqualTo(1);
        assertThat(Files.list(root.resolve("services/svc-7")).filter(p -> p.toString().endsWith(".pprof")).count()).isEqualTo(2);
        Files.createDirectories(root.resolve("services/Not-A-Name"));
        Files.writeString(root.resolve("services/stray-file"), "x");
        try (Services s = open(root, 1000)) {
            assertThat(s.count()).as("every service stored before, nothing else").isEqualTo(61);
            assertThat(s.get("svc-59").store().storedProfiles()).isEqualTo(2);
            assertThat(s.get("Not-A-Name")).isNull();
            assertThat(s.defaultService().store().storedProfiles()).isEqualTo(1);
        }
        assertThat(root.resolve("services/Not-A-Name")).isDirectory();
    }

    @Test
    void theLimitCountsTheDefaultServiceAndCreatesNothingPastIt() throws Exception {
        Path root = tmp.resolve("store");
        try (Services s = open(root, 2)) {
            assertThat(s.get("a")).isNull();
            Services.Service a = s.create("a");
            assertThat(s.create("a")).isSameAs(a);
            assertThatThrownBy(() -> s.create("b")).isInstanceOf(ServiceLimitException.class)
                    .hasMessage("too many services: this collector holds 2, its limit (PGOF_MAX_SERVICES); service b was not created");
            assertThat(root.resolve("services/b")).doesNotExist();
            assertThat(root.resolve("services/a")).isDirectory();
        }
    }
}
