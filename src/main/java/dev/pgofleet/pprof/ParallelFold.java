package dev.pgofleet.pprof;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;

/**
 * Merges files in order while decoding ahead on several threads: decoding (inflate + protobuf) is
 * most of the work and parallelises; folding must stay in input order to match google/pprof. At
 * most a small window of decoded inputs waits in memory.
 */
public final class ParallelFold {
    private ParallelFold() {}

    /** Thrown when one input cannot be read or is invalid; the message names the file. */
    public static final class InputException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Path file;

        InputException(Path file, String message) {
            super(file + ": " + message, null, false, false);
            this.file = file;
        }

        public Path file() { return file; }
    }

    public static MergedProfile mergeFiles(List<Path> files, DecodeLimits limits, boolean requireCpu, int threads,
                                           IntConsumer progress) throws InputException, InvalidProfileException {
        ProfileMerger merger = new ProfileMerger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "decode");
            t.setDaemon(true);
            return t;
        });
        try {
            int window = Math.max(2, threads * 4);
            Deque<CompletableFuture<ValidProfile>> pending = new ArrayDeque<>();
            int next = 0;
            for (int done = 0; done < files.size(); done++) {
                while (next < files.size() && pending.size() < window) {
                    Path f = files.get(next++);
                    pending.add(CompletableFuture.supplyAsync(() -> decode(f, limits, requireCpu), pool));
                }
                Path file = files.get(done);
                ValidProfile p;
                try {
                    p = pending.removeFirst().join();
                } catch (CompletionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof WrappedInvalid w) {
                        throw new InputException(file, w.getCause().getMessage());
                    }
                    if (c instanceof UncheckedIOException io) {
                        throw new InputException(file, describe(io.getCause()));
                    }
                    throw e;
                }
                try {
                    merger.add(p);
                } catch (InvalidProfileException e) {
                    throw new InputException(file, e.getMessage());
                }
                progress.accept(done + 1);
            }
            return merger.result();
        } finally {
            pool.shutdownNow();
        }
    }

    private static ValidProfile decode(Path f, DecodeLimits limits, boolean requireCpu) {
        try {
            if (Files.size(f) > limits.maxCompressedBytes()) {
                throw new InvalidProfileException("file is larger than the limit of " + limits.maxCompressedBytes() + " bytes");
            }
            ValidProfile p = ValidProfile.parse(Files.readAllBytes(f), limits);
            return requireCpu ? CpuProfileCheck.require(p) : p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InvalidProfileException e) {
            throw new WrappedInvalid(e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        return "cannot read: " + e.getMessage();
    }

    private static final class WrappedInvalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WrappedInvalid(InvalidProfileException cause) {
            super(cause);
        }
    }
}
