package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.testing.Poll;
import dev.pgofleet.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one-shot merge shared by all threads gives what folding each file in turn gives, and stops as that would. */
class FileMergeTest {
    @TempDir
    Path dir;

    @AfterEach
    void noHelperOutlivesItsMerge() throws Exception {
        Poll.until("every decode- helper thread has ended", Duration.ofSeconds(10), () -> liveHelpers() == 0);
    }

    private static long liveHelpers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("decode-") && t.isAlive()).count();
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 3, 8})
    void mergesToTheBytesOfAFoldInTurn(int threads) throws Exception {
        List<Path> files = fleetCopies(3);
        ProfileMerger inTurn = new ProfileMerger();
        for (Path f : files) {
            inTurn.add(ValidProfile.parse(Files.readAllBytes(f), DecodeLimits.DEFAULT));
        }
        List<Integer> progress = new ArrayList<>();
        MergedProfile merged = FileMerge.merge(files, DecodeLimits.DEFAULT, true, threads, progress::add);
        assertThat(ProfileWriter.write(merged)).isEqualTo(ProfileWriter.write(inTurn.result()));
        assertThat(progress).hasSize(files.size()).isSorted().endsWith(files.size());
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 4})
    void theFirstBadFileInOrderStopsIt(int threads) throws Exception {
        List<Path> files = fleetCopies(3);
        // A slow bad file early (a gzip bomb inflates to the limit) and a quick one later,
        // which other threads reach first: the early one is still the one reported.
        Path bomb = files.get(5), truncated = files.get(40);
        Files.copy(TestData.path("bad/gzip-bomb.bin"), bomb, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(TestData.path("bad/truncated-gzip.bin"), truncated, StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> FileMerge.merge(files, DecodeLimits.DEFAULT, true, threads, n -> {}))
                .isInstanceOf(ParallelFold.InputException.class).hasMessageStartingWith(bomb + ": ");

        Files.delete(bomb);
        assertThatThrownBy(() -> FileMerge.merge(files, DecodeLimits.DEFAULT, true, threads, n -> {}))
                .isInstanceOf(ParallelFold.InputException.class).hasMessage(bomb + ": no such file");
    }

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void anIncompatibleFileIsNamed(int threads) throws Exception {
        List<Path> files = fleetCopies(1);
        Path heap;
        try (var s = Files.list(TestData.path("profiles/noncpu"))) {
            heap = s.filter(p -> p.getFileName().toString().contains("heap")).sorted().findFirst().orElseThrow();
        }
        Files.copy(heap, files.get(9), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> FileMerge.merge(files, DecodeLimits.DEFAULT, false, threads, n -> {}))
                .isInstanceOf(ParallelFold.InputException.class).hasMessageStartingWith(files.get(9) + ": incompatible");
    }

    private List<Path> fleetCopies(int times) throws Exception {
        List<Path> files = new ArrayList<>();
        for (int r = 0; r < times; r++) {
            for (Path f : TestData.fleet()) {
                files.add(Files.copy(f, dir.resolve(String.format("%03d.pprof", files.size()))));
            }
        }
        return files;
    }
}
