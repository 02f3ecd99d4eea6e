package dev.pgofleet.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Durable file writes: a file is complete on disk (fsync'd) before anything names it. */
final class DurableFiles {
    private DurableFiles() {}

    static void write(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeAll(ch, bytes);
            ch.force(true);
        }
    }

    /**
     * Like {@link #write}, into an existing file that nothing names (a spare), whose blocks are
     * reused; false if the file is gone.
     */
    static boolean overwrite(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writeAll(ch, bytes);
            ch.truncate(bytes.length);
            ch.force(true);
            return true;
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    private static void writeAll(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // only temp files are deleted this way, and the next start removes those anyway
        }
    }
}
