package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpareFilesTest {
    @TempDir
    Path dir;

    @Test
    void keepsRetiredFilesUpToItsLimitAndDeletesTheRest() throws Exception {
        SpareFiles spares = new SpareFiles(dir, 2);
        for (String name : new String[] {"a.pprof", "b.pprof", "c.pprof"}) {
            Files.write(dir.resolve(name), name.getBytes());
        }
        spares.retire("a.pprof");
        spares.retire("b.pprof");
        spares.retire("c.pprof");
        spares.retire("gone.pprof");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(SpareFiles.PREFIX + "1", SpareFiles.PREFIX + "2");
        }
        assertThat(spares.count()).isEqualTo(2);
        assertThat(Files.readString(spares.take())).isEqualTo("a.pprof");
        assertThat(Files.readString(spares.take())).isEqualTo("b.pprof");
        assertThat(spares.take()).isNull();
        assertThat(spares.count()).isZero();
    }
}
