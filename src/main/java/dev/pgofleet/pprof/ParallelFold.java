package dev.pgofleet.pprof;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;

/**
 * Merges files in order while decoding ahead on several threads: decoding (inflate + protobuf) is
 * most of the work and parallelises; folding must stay in input order to match google/pprof. At
 * most a small window of decoded inputs waits in memory, so memory follows the merged profile.
 */
public final class ParallelFold {
    private ParallelFold() {}

    /** Thrown when one input cannot be read or is invalid; the message names the file. */
    public static final class InputException extends Exception {
        private static final long serialVersionUID = 1L;

        public InputException(Path file, String message) {
            super(file + ": " + message, null, false, false);
        }
    }

    /** What to do with an input that cannot be read, parsed or merged. */
    @FunctionalInterface
    public interface OnBadInput {
        void handle(Path file, String reason) throws InputException;
    }

    /** Stops the whole merge at the first bad input (the command line's behaviour). */
    public static final OnBadInput FAIL = (file, reason) -> {
        throw new InputException(file, reason);
    };

    /** Merges local files with a pool of its own; the first bad input stops it. */
    public static MergedProfile mergeFiles(List<Path> files, DecodeLimits limits, boolean requireCpu, int threads,
                                           IntConsumer progress) throws InputException, InvalidProfileException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "decode");
            t.setDaemon(true);
            return t;
        });
        try {
            ProfileMerger merger = new ProfileMerger();
            fold(files, merger, limits, requireCpu, pool, Math.max(2, threads * 4), FAIL, progress);
            return merger.result();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Folds {@code files} into {@code merger} in order, decoding up to {@code window} ahead on
     * {@code pool}. Returns the files that were folded in (bad ones are given to {@code onBad}).
     */
    public static List<Path> fold(List<Path> files, ProfileMerger merger, DecodeLimits limits, boolean requireCpu,
                                  Executor pool, int window, OnBadInput onBad, IntConsumer progress) throws InputException {
        Deque<CompletableFuture<ValidProfile>> pending = new ArrayDeque<>();
        List<Path> folded = new ArrayList<>(files.size());
        int next = 0;
        for (int done = 0; done < files.size(); done++) {
            while (next < files.size() && pending.size() < window) {
                Path f = files.get(next++);
                pending.add(CompletableFuture.supplyAsync(() -> decode(f, limits, requireCpu), pool));
            }
            Path file = files.get(done);
            try {
                merger.add(join(pending.removeFirst()));
                folded.add(file);
            } catch (InvalidProfileException e) {
                onBad.handle(file, e.getMessage());
            } catch (IOException e) {
                onBad.handle(file, e instanceof NoSuchFileException ? "no such file" : "cannot read: " + e.getMessage());
            }
            progress.accept(done + 1);
        }
        return folded;
    }

    private static ValidProfile join(CompletableFuture<ValidProfile> f) throws InvalidProfileException, IOException {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WrappedInvalid w) {
                throw (InvalidProfileException) w.getCause();
            }
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
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

    private static final class WrappedInvalid extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WrappedInvalid(InvalidProfileException cause) {
            super(cause);
        }
    }
}
