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

    interface FileAction {
        void run() throws IOException;
    }

    private static IOException failureOf(FileAction action) {
        try {
            action.run();
        } catch (IOException e) {
            return e;
        }
        throw new AssertionError("the file operation succeeded");
    }

    private static IOException failureOf(Path file) {
        return failureOf(() -> FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE).close());
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
        assertThat(IoReason.describe(failureOf(() -> Files.createDirectory(file)))).isEqualTo("already exists (" + file + ")");
        Path full = Files.createDirectories(tmp.resolve("full/inner")).getParent();
        assertThat(IoReason.describe(failureOf(() -> Files.delete(full)))).isEqualTo("directory not empty (" + full + ")");
    }

    @Test
    void anInvalidProfileByItsMessageAndOurOwnBugWithItsClass() {
        assertThat(IoReason.describe(new CompletionException(new InvalidProfileException("sample 3 has no location"))))
                .isEqualTo("sample 3 has no location");
        assertThat(IoReason.describe(new IllegalStateException("bug"))).isEqualTo("java.lang.IllegalStateException: bug");
        assertThat(IoReason.of(new IOException())).isEqualTo("input/output error");
    }
}
