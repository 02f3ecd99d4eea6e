package dev.pgofleet.cli;

import dev.pgofleet.store.IoReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Replaces a file so that readers see the old content or the new, never a half-written file. */
final class AtomicFiles {
    private AtomicFiles() {}

    static void replace(Path target, byte[] content) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        // Named by process and time rather than by Files.createTempFile, whose SecureRandom costs a
        // short-lived JVM tens of milliseconds to set up; CREATE_NEW still refuses a clash.
        Path tmp = dir.resolve("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The one-line message for a file that could not be read or written ({@code verb}). */
    static String cannot(String verb, Path file, IOException e) {
        return "error: cannot " + verb + " " + file + ": " + reason(e);
    }

    /**
     * Why a read or write failed, in words, for a message that already names the file (the
     * exception's own message is a bare path, or the name of our temp file).
     */
    private static String reason(IOException e) {
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " is not a directory"; // what Files.createDirectories says this way
        }
        return IoReason.of(e);
    }
}
