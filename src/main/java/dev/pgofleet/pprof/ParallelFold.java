package dev.pgofleet.pprof;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges files in order while decoding ahead on several threads: decoding (inflate + protobuf) is
 * most of the work and parallelises; folding must stay in input order to match google/pprof. At
 * most a small window of decoded inputs waits in memory, so memory follows the merged profile.
 */
public final class ParallelFold {
    private static final Logger log = LoggerFactory.getLogger(ParallelFold.class);
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

    /**
     * Thrown when folding an input failed part-way (a fault of ours, not a refusal of the input):
     * the merge may hold part of it, so the caller starts the merge again. An input folded alone
     * was already given to the {@link OnBadInput} ({@link #setAside}), so the next attempt goes
     * on without it; a partial of several inputs was not (most of them are likely good): the
     * caller folds again with groups of one, which meets the faulty input alone.
     */
    public static final class FoldBroken extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<Path> setAside;

        FoldBroken(List<Path> files, List<Path> setAside, RuntimeException cause) {
            super("folding " + files + " failed part-way", cause);
            this.setAside = List.copyOf(setAside);
        }

        /** The input given to the {@link OnBadInput}: one file, or none when a partial of several failed. */
        public List<Path> setAside() {
            return setAside;
        }
    }

    /** Where the inputs' bytes come from: local files by default, a store's items through the store. */
    @FunctionalInterface
    public interface Source {
        /** The input's bytes, refused above {@code limit} bytes. */
        byte[] read(Path input, long limit) throws IOException, InvalidProfileException;

        /** The input already decoded and checked, when the source holds it so (it is then not read); null otherwise. */
        default ValidProfile decoded(Path input) {
            return null;
        }

        /** This source, except that an input for which {@code held} gives a profile (not null) is that profile, not read. */
        default Source holding(Function<Path, ValidProfile> held) {
            Source self = this;
            return new Source() {
                @Override
                public byte[] read(Path input, long limit) throws IOException, InvalidProfileException {
                    return self.read(input, limit);
                }

                @Override
                public ValidProfile decoded(Path input) {
                    ValidProfile p = held.apply(input);
                    return p != null ? p : self.decoded(input);
                }
            };
        }
    }

    /** Reads local files (see {@link #read(Path, long)}). */
    public static final Source FILES = ParallelFold::read;

    /**
     * Thrown by a {@link Source} that cannot give an input now for a reason that is not the
     * input's (a storage service unreachable): the fold stops at once, nothing is set aside, and
     * the caller fails (or, for {@link Vanished}, lists again).
     */
    public static class SourceFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public SourceFailed(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * Thrown by a {@link Source} when an input it listed is gone (another process replaced it):
     * the fold stops at once, and the caller lists the inputs again.
     */
    public static final class Vanished extends SourceFailed {
        private static final long serialVersionUID = 1L;

        public Vanished(Path input) {
            super(input.getFileName() + " is gone since it was listed", null);
        }
    }

    /** What the fold adds each input or partial to, in order: a {@link ProfileMerger}'s {@code add}. */
    @FunctionalInterface
    public interface Folder {
        void add(ValidProfile p) throws InvalidProfileException;
    }

    /** Stops the whole merge at the first bad input (the command line's behaviour). */
    public static final OnBadInput FAIL = (file, reason) -> {
        throw new InputException(file, reason);
    };

    /** Merges local files on the calling thread and {@code threads - 1} helpers; the first bad input stops it. */
    public static MergedProfile mergeFiles(List<Path> files, DecodeLimits limits, boolean requireCpu, int threads,
                                           IntConsumer progress) throws InputException, InvalidProfileException {
        return FileMerge.merge(files, limits, requireCpu, threads, progress);
    }

    /**
     * Inputs a decode thread merges into one partial profile before the in-order fold takes it,
     * in a long-running collector. A partial enters the fold as it is held in memory (no encoding).
     * A one-shot merge ({@link FileMerge}) makes no partials: in a cold JVM, merging every input
     * twice costs more (JIT, heap growth) than the shared folding saves.
     */
    public static final int SERVER_GROUP = 256;

    /**
     * Folds {@code files} into {@code merger} in order. Decode threads take groups of
     * {@code group} files and merge each group into a partial profile (files that make one group
     * are decoded on the calling thread); the calling thread folds the partials in order. Merging
     * is associative for the inputs a partial takes (see {@link #associative}), so the result is
     * the same, to the byte, as folding every file in turn, while all cores share the folding. At
     * most a few groups wait in memory. Returns the files that were folded in (bad ones are given
     * to {@code onBad}).
     */
    public static List<Path> fold(List<Path> files, ProfileMerger merger, DecodeLimits limits, boolean requireCpu,
                                  Executor pool, int window, int group, OnBadInput onBad, IntConsumer progress)
            throws InputException, FoldBroken {
        return fold(files, merger, f -> limits, requireCpu, pool, window, group, onBad, progress);
    }

    /** As above, with the size limits chosen per file (the collector's own files have their own). */
    public static List<Path> fold(List<Path> files, ProfileMerger merger, Function<Path, DecodeLimits> limits, boolean requireCpu,
                                  Executor pool, int window, int group, OnBadInput onBad, IntConsumer progress)
            throws InputException, FoldBroken {
        return fold(files, merger::add, merger.alignsSampleTypes(), limits, requireCpu, pool, window, group, onBad, progress);
    }

    /** As above, into {@code into} (a merger's add, or a wrapper of it), with partials that align sample types as asked. */
    public static List<Path> fold(List<Path> files, Folder into, boolean align, Function<Path, DecodeLimits> limits,
                                  boolean requireCpu, Executor pool, int window, int group, OnBadInput onBad, IntConsumer progress)
            throws InputException, FoldBroken {
        return fold(files, FILES, into, align, limits, requireCpu, pool, window, group, onBad, progress);
    }

    /**
     * As above, reading the inputs from {@code source}; a {@link SourceFailed} (such as a
     * {@link Vanished} input) stops the fold and is thrown to the caller.
     */
    public static List<Path> fold(List<Path> files, Source source, Folder into, boolean align, Function<Path, DecodeLimits> limits,
                                  boolean requireCpu, Executor pool, int window, int group, OnBadInput onBad, IntConsumer progress)
            throws InputException, FoldBroken {
        Deque<CompletableFuture<List<Item>>> pending = new ArrayDeque<>();
        List<Path> folded = new ArrayList<>(files.size());
        int groupsAhead = Math.max(2, window / group), next = 0, done = 0;
        // One group is decoded here: handing it to the pool would only add a wake-up to wait for
        // (under load, tens of milliseconds of a merge that needs one).
        Executor decoders = files.size() <= group ? Runnable::run : pool;
        while (done < files.size()) {
            while (next < files.size() && pending.size() < groupsAhead) {
                List<Path> members = files.subList(next, Math.min(files.size(), next + group));
                next += members.size();
                pending.add(CompletableFuture.supplyAsync(() -> mergeGroup(source, members, limits, requireCpu, align), decoders));
            }
            List<Item> items;
            try {
                items = pending.removeFirst().join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof SourceFailed v) {
                    pending.forEach(f -> f.cancel(false));
                    throw v;
                }
                throw e;
            }
            for (Item item : items) {
                if (item.bad != null) {
                    onBad.handle(item.files.get(0), item.bad);
                } else {
                    try {
                        into.add(item.profile);
                        folded.addAll(item.files);
                    } catch (InvalidProfileException e) {
                        for (Path f : item.files) {
                            onBad.handle(f, e.getMessage());
                        }
                    } catch (RuntimeException e) {
                        if (item.files.size() > 1) {
                            log.error("folding a partial of {} files failed part-way; the merge starts again one file at a time",
                                    item.files.size(), e);
                            throw new FoldBroken(item.files, List.of(), e);
                        }
                        log.error("folding {} failed part-way; the merge starts again without it", item.files, e);
                        onBad.handle(item.files.get(0), "could not be merged (an error of the collector, logged)");
                        throw new FoldBroken(item.files, item.files, e);
                    }
                }
                done += item.files.size();
                progress.accept(done);
            }
        }
        return folded;
    }

    /** A bad file (with why), one decoded file, or the partial merge of several. */
    private record Item(List<Path> files, ValidProfile profile, String bad) {}

    /**
     * Decodes a group and merges its runs of mutually compatible, associative inputs into partials.
     * Should merging a partial fail part-way (a fault of ours), the group is decoded again without
     * partials, so the fold meets each input alone and can set the faulty one aside.
     */
    private static List<Item> mergeGroup(Source source, List<Path> group, Function<Path, DecodeLimits> limits, boolean requireCpu,
                                         boolean align) {
        try {
            return mergeRuns(source, group, limits, requireCpu, align);
        } catch (SourceFailed e) {
            throw e;
        } catch (RuntimeException e) {
            log.error("a partial merge of {} files failed; they are folded one by one", group.size(), e);
            List<Item> items = new ArrayList<>();
            for (Path f : group) {
                items.add(decodeItem(source, f, limits.apply(f), requireCpu));
            }
            return items;
        }
    }

    private static Item decodeItem(Source source, Path f, DecodeLimits limits, boolean requireCpu) {
        try {
            return new Item(List.of(f), decode(source, f, limits, requireCpu), null);
        } catch (InvalidProfileException e) {
            return new Item(List.of(f), null, e.getMessage());
        } catch (IOException e) {
            return new Item(List.of(f), null, whyUnreadable(e));
        } catch (SourceFailed e) {
            throw e;
        } catch (RuntimeException e) {
            log.error("reading {} failed", f, e);
            return new Item(List.of(f), null, "could not be read (an error of the collector, logged)");
        }
    }

    private static List<Item> mergeRuns(Source source, List<Path> group, Function<Path, DecodeLimits> limits, boolean requireCpu,
                                        boolean align) {
        List<Item> items = new ArrayList<>();
        Partial run = new Partial(align);
        for (Path f : group) {
            ValidProfile p;
            try {
                p = decode(source, f, limits.apply(f), requireCpu);
            } catch (InvalidProfileException e) {
                run.flushInto(items);
                items.add(new Item(List.of(f), null, e.getMessage()));
                continue;
            } catch (IOException e) {
                run.flushInto(items);
                items.add(new Item(List.of(f), null, whyUnreadable(e)));
                continue;
            }
            if (!associative(p) || !run.tryAdd(f, p)) {
                run.flushInto(items);
                if (associative(p)) {
                    run.tryAdd(f, p); // a new run starts with an input the last one could not take
                } else {
                    items.add(new Item(List.of(f), p, null));
                }
            }
        }
        run.flushInto(items);
        return items;
    }

    /**
     * Whether merging this input into a partial first gives what folding it directly would. Go's
     * header rules reset on a zero time or period, and a negative value can make a partial sum
     * vanish early; Go CPU profiles have none of these, so they always take the fast way.
     */
    public static boolean associative(ValidProfile p) {
        return p.timeNanos() != 0 && p.period() != 0 && p.firstNegativeValue() < 0;
    }

    /** A run of inputs merged together; a run of one stays the decoded input itself. */
    private static final class Partial {
        private final boolean align;
        private final List<Path> files = new ArrayList<>();
        private ValidProfile first;
        private ProfileMerger merger;

        Partial(boolean align) {
            this.align = align;
        }

        boolean tryAdd(Path f, ValidProfile p) {
            try {
                if (first == null) {
                    first = p;
                } else {
                    if (merger == null) {
                        merger = new ProfileMerger(align);
                        merger.add(first);
                    }
                    merger.add(p);
                }
                files.add(f);
                return true;
            } catch (InvalidProfileException incompatible) {
                return false;
            }
        }

        void flushInto(List<Item> items) {
            if (first == null) {
                return;
            }
            try {
                ValidProfile merged = merger == null ? first : ValidProfile.of(merger.result(), false);
                items.add(new Item(List.copyOf(files), merged, null));
            } catch (InvalidProfileException e) {
                throw new IllegalStateException("a partial merge of inputs already merged together failed: " + e.getMessage(), e);
            }
            files.clear();
            first = null;
            merger = null;
        }
    }

    static String whyUnreadable(IOException e) {
        return e instanceof NoSuchFileException ? "no such file" : "cannot read: " + e.getMessage();
    }

    static ValidProfile decode(Path f, DecodeLimits limits, boolean requireCpu) throws IOException, InvalidProfileException {
        return decode(FILES, f, limits, requireCpu);
    }

    static ValidProfile decode(Source source, Path f, DecodeLimits limits, boolean requireCpu) throws IOException, InvalidProfileException {
        // A held profile was decoded and checked from the same bytes, within the limits of a submit.
        ValidProfile held = source.decoded(f);
        ValidProfile p = held != null ? held : ValidProfile.parse(source.read(f, limits.maxCompressedBytes()), limits);
        return requireCpu ? CpuProfileCheck.require(p) : p;
    }

    /**
     * Reads at most {@code limit} bytes, whatever the file says: a file is read up to the size
     * it has when opened; one that reports no size (a pipe, or a device such as /dev/zero, which
     * never ends) up to the limit.
     */
    static byte[] read(Path f, long limit) throws IOException, InvalidProfileException {
        try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(f)) {
            long size = ch.size();
            if (size > limit) {
                throw new InvalidProfileException("file is larger than the limit of " + limit + " bytes");
            }
            if (size == 0) {
                byte[] bytes = java.nio.channels.Channels.newInputStream(ch).readNBytes((int) Math.min(Integer.MAX_VALUE - 9L, limit) + 1);
                if (bytes.length > limit) {
                    throw new InvalidProfileException("file is larger than the limit of " + limit + " bytes");
                }
                return bytes;
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // until full or at its end
            }
            if (!b.hasRemaining() && ch.read(java.nio.ByteBuffer.allocate(1)) > 0) {
                throw new InvalidProfileException("file grew while it was read");
            }
            return b.hasRemaining() ? java.util.Arrays.copyOf(b.array(), b.position()) : b.array();
        }
    }
}
