package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.KeyRing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** quickstart's key files and what it prints (the collector it then runs is tested elsewhere). */
class QuickstartTest {
    @TempDir
    Path tmp;

    @Test
    void newKeyFilesAreReadableByTheOwnerOnlyAndKeptOnTheNextRun() throws Exception {
        Path file = tmp.resolve("submit_keys");
        String key = QuickstartCommand.ensureKey(file, "submit_keys");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(key).matches("[0-9a-f]{48}");
        assertThat(KeyRing.load("PGOF_SUBMIT_AUTH_KEYS_FILE", file).accepts(key)).isTrue();
        assertThat(QuickstartCommand.ensureKey(file, "submit_keys")).as("an existing file is reused").isEqualTo(key);
    }

    @Test
    void printsExportLinesAndSaysItHoldsTheTerminal() {
        String text = QuickstartCommand.instructions(Path.of("/k/submit_keys"), Path.of("/k/merge_keys"), "s3cr3t", "m3rg3",
                "http://127.0.0.1:8080");
        assertThat(text.lines()).contains("  export SUBMIT_KEY=s3cr3t", "  export MERGE_KEY=m3rg3");
        assertThat(text).contains("until Ctrl-C").contains("In another terminal");
    }
}
