package dev.pgofleet.store;

import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.ParallelFold;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.CompletionException;

/**
 * Why a file operation failed, in the words of the system's own error ("no such file or
 * directory", "No space left on device"), for a message that names the file itself: the JDK's
 * message for a missing or forbidden file is a bare path.
 */
public final class IoReason {
    private IoReason() {}

    public static String of(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof FileSystemException f) {
            return f.getReason() != null ? f.getReason() : "input/output error"; // its message is only the path
        }
        return e.getMessage() != null ? e.getMessage() : "input/output error";
    }

    /**
     * A failure for a log line: an I/O error in words, with the file it names; an invalid profile
     * or an unreadable merge input by its message; anything else (our own bug) as it is, class
     * name included.
     */
    public static String describe(Throwable e) {
        Throwable c = cause(e);
        if (c instanceof InvalidProfileException || c instanceof ParallelFold.InputException || c instanceof ParallelFold.SourceFailed) {
            return c.getMessage(); // already in words, naming what failed
        }
        if (c instanceof IOException io) {
            return of(io) + (io instanceof FileSystemException f && f.getFile() != null ? " (" + f.getFile() + ")" : "");
        }
        return c.toString();
    }

    /** What failed, under the wrappers that carry a failure across futures and streams. */
    static Throwable cause(Throwable e) {
        Throwable c = e;
        while ((c instanceof CompletionException || c instanceof UncheckedIOException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
