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
    void keepsRetiredRawFilesUpToItsLimitAndDeletesTheRest() throws Exception {
        SpareFiles spares = new SpareFiles(dir, 2);
        String a = StoredFile.raw(1795000000000L, 1, "abcdef"), b = StoredFile.raw(1795000000001L, 2, "abcdef"),
                c = StoredFile.raw(1795000000002L, 3, "abcdef"), rollup = StoredFile.rollup(1794999600000L, 1795003200000L, 1795000000100L, 2);
        for (String name : new String[] {rollup, a, b, c}) {
            Files.write(dir.resolve(name), name.getBytes());
        }
        spares.retire(rollup);
        spares.retire(a);
        spares.retire(b);
        spares.retire(c);
        spares.retire(StoredFile.raw(1795000000003L, 4, "abcdef"));
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .as("a rollup is deleted, not kept; past the limit raw files are deleted too")
                    .containsExactlyInAnyOrder(SpareFiles.PREFIX + "1", SpareFiles.PREFIX + "2");
        }
        assertThat(spares.count()).isEqualTo(2);
        assertThat(Files.readString(spares.take())).isEqualTo(a);
        assertThat(Files.readString(spares.take())).isEqualTo(b);
        assertThat(spares.take()).isNull();
        assertThat(spares.count()).isZero();
    }
}
