package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading an input never takes more than the limit, whatever the file reports. */
class BoundedReadTest {
    @TempDir
    Path dir;

    @Test
    void aDeviceThatNeverEndsIsReadOnlyUpToTheLimit() throws Exception {
        Path zero = Files.createSymbolicLink(dir.resolve("zero.pprof"), Path.of("/dev/zero"));
        assertThatThrownBy(() -> ParallelFold.read(zero, 1 << 20)).isInstanceOf(InvalidProfileException.class)
                .hasMessage("file is larger than the limit of 1048576 bytes");
    }

    @Test
    void aRegularFileIsReadWhole() throws Exception {
        byte[] content = new byte[100_000];
        content[99_999] = 7;
        Path f = Files.write(dir.resolve("f.pprof"), content);
        assertThat(ParallelFold.read(f, 100_000)).isEqualTo(content);
        assertThatThrownBy(() -> ParallelFold.read(f, 99_999)).isInstanceOf(InvalidProfileException.class);
    }
}
