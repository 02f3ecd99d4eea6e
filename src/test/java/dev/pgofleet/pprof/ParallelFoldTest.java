package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import dev.pgofleet.pprof.proto.ProfileProto.Sample;
import dev.pgofleet.testing.Profiles;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The grouped fold (partials merged on decode threads, folded in order) against folding each
 * input in turn: the same bytes, including for inputs where Go's rules are not associative.
 */
class ParallelFoldTest {
    private static final ExecutorService POOL = Executors.newFixedThreadPool(2);

    @TempDir
    Path dir;

    @AfterAll
    static void stop() {
        POOL.shutdownNow();
    }

    /** A change to the fleet fixture at each position (56 files: three groups and a half). */
    interface Change {
        Profile apply(int index, Profile p) throws Exception;
    }

    static Stream<Arguments> cases() {
        UnaryOperator<Profile> negated = p -> {
            Profile.Builder b = p.toBuilder();
            for (int i = 0; i < b.getSampleCount(); i++) {
                Sample.Builder s = b.getSampleBuilder(i);
                for (int v = 0; v < s.getValueCount(); v++) {
                    s.setValue(v, -s.getValue(v));
                }
            }
            return b.build();
        };
        Change none = (i, p) -> p;
        // Go's time rule restarts after a zero: the earliest time, before it, must not win.
        Change zeroTime = (i, p) -> i == 20 ? p.toBuilder().setTimeNanos(0).build()
                : i == 3 ? p.toBuilder().setTimeNanos(p.getTimeNanos() - 86_400_000_000_000L).build() : p;
        Change zeroPeriod = (i, p) -> i == 0 || i == 30 ? p.toBuilder().setPeriod(0).build() : p;
        // Samples that cancel out inside one group come back in a later one: their place is their first.
        Change cancelling = (i, p) -> i == 17 ? negated.apply(p) : i == 18 ? fixture(17) : p;
        return Stream.of(
                Arguments.of("fleet, unchanged", none),
                Arguments.of("a zero time after the earliest", zeroTime),
                Arguments.of("zero periods", zeroPeriod),
                Arguments.of("samples cancelling within a group", cancelling));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void groupedFoldEqualsOneByOne(String name, Change change) throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 56; i++) {
            Path f = dir.resolve(String.format("%03d.pprof", i));
            Files.write(f, Profiles.gzip(change.apply(i, fixture(i)).toByteArray()));
            files.add(f);
        }
        ProfileMerger oneByOne = new ProfileMerger();
        for (Path f : files) {
            oneByOne.add(ValidProfile.parse(Files.readAllBytes(f), DecodeLimits.DEFAULT));
        }
        ProfileMerger grouped = new ProfileMerger();
        List<Path> folded = ParallelFold.fold(files, grouped, DecodeLimits.DEFAULT, false, POOL, 32, 16, ParallelFold.FAIL, n -> {});

        assertThat(folded).isEqualTo(files);
        assertThat(ProfileWriter.encode(grouped.result(), false)).isEqualTo(ProfileWriter.encode(oneByOne.result(), false));
    }

    /** Files that make a single group are decoded on the calling thread; more go to the pool. */
    @Test
    void aSingleGroupIsDecodedOnTheCallingThread() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            files.add(TestData.fleet().get(i));
        }
        List<Thread> decoders = Collections.synchronizedList(new ArrayList<>());
        ParallelFold.Source watched = (f, limit) -> {
            decoders.add(Thread.currentThread());
            return ParallelFold.FILES.read(f, limit);
        };
        AtomicInteger handedOff = new AtomicInteger();
        Executor counted = task -> {
            handedOff.incrementAndGet();
            POOL.execute(task);
        };

        ParallelFold.fold(files, watched, new ProfileMerger()::add, true, f -> DecodeLimits.DEFAULT, false, counted, 32, 16,
                ParallelFold.FAIL, n -> {});
        assertThat(handedOff).hasValue(0);
        assertThat(decoders).containsOnly(Thread.currentThread());

        ParallelFold.fold(files, watched, new ProfileMerger()::add, true, f -> DecodeLimits.DEFAULT, false, counted, 32, 2,
                ParallelFold.FAIL, n -> {});
        assertThat(handedOff).as("two groups").hasValue(2);
    }

    private static Profile fixture(int i) throws Exception {
        List<Path> fleet = TestData.fleet();
        return TestData.proto(Files.readAllBytes(fleet.get(i % fleet.size())));
    }

    @Test
    void anIncompatibleFileInsideAGroupIsNamedAsIfFoldedInTurn() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Path f = dir.resolve(String.format("%03d.pprof", i));
            Files.copy(TestData.fleet().get(i), f);
            files.add(f);
        }
        Path heap = dir.resolve("009.pprof");
        Files.copy(TestData.path("profiles/noncpu").resolve(firstNonCpu()), heap, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> ParallelFold.fold(files, new ProfileMerger(), DecodeLimits.DEFAULT, false, POOL, 32, 16,
                ParallelFold.FAIL, n -> {}))
                .isInstanceOf(ParallelFold.InputException.class).hasMessageStartingWith(heap + ": incompatible");
    }

    private static String firstNonCpu() throws Exception {
        try (Stream<Path> s = Files.list(TestData.path("profiles/noncpu"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains("heap")).sorted().findFirst().orElseThrow();
        }
    }
}
