package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.pprof.InvalidProfileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures from a real file system, in words: what a log line or a 503's reason carries. */
class IoReasonTest {
    @TempDir
    Path tmp;

    private static IOException failureOf(Path file) {
        try {
            FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE).close();
            throw new AssertionError("opened " + file);
        } catch (IOException e) {
            return e;
        }
    }

    @Test
    void aMissingDirectoryReadsAsTheSystemSaysItWithTheFile() {
        Path file = tmp.resolve("gone/probe");
        IOException e = failureOf(file);
        assertThat(IoReason.of(e)).isEqualTo("no such file or directory");
        assertThat(IoReason.describe(new CompletionException(new UncheckedIOException(e))))
                .isEqualTo("no such file or directory (" + file + ")");
    }

    @Test
    void aFileWhereADirectoryShouldBeKeepsTheSystemsReason() throws Exception {
        Files.writeString(tmp.resolve("plain"), "x");
        Path file = tmp.resolve("plain/probe");
        assertThat(IoReason.describe(failureOf(file))).isEqualTo("Not a directory (" + file + ")");
    }

    @Test
    void errorsWhoseMessageIsOnlyThePathGetWordsInstead() throws Exception {
        Path file = Files.writeString(tmp.resolve("there"), "x");
        try {
            Files.createDirectory(file);
            throw new AssertionError("created " + file);
        } catch (IOException e) {
            assertThat(IoReason.describe(e)).isEqualTo("already exists (" + file + ")");
        }
        Files.createDirectories(tmp.resolve("full/inner"));
        try {
            Files.delete(tmp.resolve("full"));
            throw new AssertionError("deleted " + tmp.resolve("full"));
        } catch (IOException e) {
            assertThat(IoReason.describe(e)).isEqualTo("directory not empty (" + tmp.resolve("full") + ")");
        }
    }

    @Test
    void anInvalidProfileByItsMessageAndOurOwnBugWithItsClass() {
        assertThat(IoReason.describe(new CompletionException(new InvalidProfileException("sample 3 has no location"))))
                .isEqualTo("sample 3 has no location");
        assertThat(IoReason.describe(new IllegalStateException("bug"))).isEqualTo("java.lang.IllegalStateException: bug");
        assertThat(IoReason.of(new IOException())).isEqualTo("input/output error");
    }
}
