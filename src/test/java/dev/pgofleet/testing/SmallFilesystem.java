package dev.pgofleet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** A tmpfs of a given size mounted by the test itself (root only); the test is skipped where mounting is not allowed. */
public final class SmallFilesystem implements AutoCloseable {
    public final Path dir;

    private SmallFilesystem(Path dir) {
        this.dir = dir;
    }

    public static SmallFilesystem mount(Path dir, String size) throws Exception {
        Files.createDirectories(dir);
        boolean ok = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        if (!ok) {
            System.out.println("cannot mount a tmpfs here (needs root): small-filesystem tests SKIPPED");
        }
        Assumptions.assumeTrue(ok, "cannot mount a tmpfs here (needs root)");
        return new SmallFilesystem(dir);
    }

    public void readOnly(boolean ro) throws Exception {
        if (!run("mount", "-o", "remount," + (ro ? "ro" : "rw"), dir.toString())) {
            throw new IllegalStateException("remount failed");
        }
    }

    private static boolean run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes(); // ends when the command exits
        // onExit().join() waits without throwing InterruptedException, so close() need not throw it.
        return p.onExit().join().exitValue() == 0;
    }

    @Override
    public void close() throws IOException {
        run("umount", "-l", dir.toString());
    }
}
