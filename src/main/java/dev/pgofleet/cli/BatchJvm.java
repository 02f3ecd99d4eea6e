package dev.pgofleet.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.StringTokenizer;

/**
 * Runs a one-shot batch command in a JVM set up for a short job. A plain {@code java -jar} JVM on a
 * server-class machine spends most of a merge of a few thousand files compiling with C2 and
 * growing a G1 heap, on the same cores the merge needs. A jar cannot carry JVM options, so when
 * such a command is started with {@code java [options] -jar pgo-fleet.jar CMD ...} and enough
 * inputs to be worth a second JVM, it runs once more in a child JVM with {@link #DEFAULT_FLAGS}
 * (then the user's options), which the user can change or turn off with {@link #VARIABLE}.
 */
public final class BatchJvm {
    public static final String VARIABLE = "PGOF_BATCH_JVM_FLAGS";
    /** C1 only, the serial collector, a small young generation that stays in cache (measured in bench/README.md). */
    public static final String DEFAULT_FLAGS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmn24m";
    /** Below this many arguments a second JVM costs more (about 0.1 s to start) than it saves. */
    public static final int MIN_ARGS = 32;
    private static final Set<String> BATCH_COMMANDS = Set.of("merge-files");
    /** Variables that hold JVM options; the child gets their content on its command line instead. */
    private static final List<String> JVM_OPTION_VARIABLES = List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS");
    /** On the child's command line, so that the child never runs the command in yet another JVM. */
    static final String CHILD_MARKER = "-Dpgof.batchJvm=child";

    private BatchJvm() {}

    /**
     * Runs the command in a child JVM when that applies and returns its exit code; empty when the
     * command is to run in this JVM (not a batch command, too few inputs, turned off, options that
     * must stay in this JVM, or the child could not be started). Written without lambdas, streams
     * or regular expressions, whose first use costs tens of milliseconds in a JVM that exists only
     * to start another.
     */
    public static OptionalInt runInChild(String[] args) {
        if (args.length < MIN_ARGS || !BATCH_COMMANDS.contains(args[0])) {
            return OptionalInt.empty();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Optional<List<String>> command = childCommand(java, processArgs(), Arrays.asList(args), System.getenv());
        if (command.isEmpty()) {
            return OptionalInt.empty();
        }
        Process child;
        try {
            ProcessBuilder builder = new ProcessBuilder(command.get()).inheritIO();
            builder.environment().keySet().removeAll(JVM_OPTION_VARIABLES);
            child = builder.start();
        } catch (IOException e) {
            return OptionalInt.empty();
        }
        Runtime.getRuntime().addShutdownHook(new StopChild(child));
        try {
            return OptionalInt.of(child.waitFor());
        } catch (InterruptedException e) {
            child.destroy();
            Thread.currentThread().interrupt();
            return OptionalInt.of(1);
        }
    }

    /** Terminal signals reach the child too; this covers a signal sent to this process alone. */
    private static final class StopChild extends Thread {
        private final Process child;

        StopChild(Process child) {
            super("stop-batch-jvm");
            this.child = child;
        }

        @Override
        public void run() {
            child.destroy();
        }
    }

    /** This JVM's arguments after the executable, from /proc (ProcessHandle gives none for a long command line); else none. */
    private static List<String> processArgs() {
        try {
            List<String> all = Arrays.asList(Files.readString(Path.of("/proc/self/cmdline"), StandardCharsets.UTF_8).split("\0"));
            return all.isEmpty() ? List.of() : all.subList(1, all.size());
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    /**
     * The child's command line, or empty when the command runs here. {@code processArgs} are this
     * JVM's own arguments after the executable: {@code [JVM options] -jar JAR args...}. Options
     * that ours could break, or that only make sense in this JVM, keep the command here: a
     * collector of the user's (two collectors refuse to start), an agent or debugger (attached to
     * this JVM, not the child), options from a file, quoted options.
     */
    static Optional<List<String>> childCommand(String java, List<String> processArgs, List<String> args, Map<String, String> env) {
        String flags = env.getOrDefault(VARIABLE, DEFAULT_FLAGS).trim();
        int jar = processArgs.size() - args.size() - 2;
        if (flags.isEmpty() || args.size() < MIN_ARGS || !BATCH_COMMANDS.contains(args.get(0)) || jar < 0
                || !processArgs.get(jar).equals("-jar") || !processArgs.subList(jar + 2, processArgs.size()).equals(args)) {
            return Optional.empty();
        }
        // The JVM ranks options: JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS and the command line,
        // then _JAVA_OPTIONS. The child gets them all on its command line in that order, after
        // ours, so every one of the user's still wins (and is not announced twice).
        List<String> userOptions = new ArrayList<>();
        userOptions.addAll(tokens(env.getOrDefault("JAVA_TOOL_OPTIONS", "")));
        userOptions.addAll(tokens(env.getOrDefault("JDK_JAVA_OPTIONS", "")));
        userOptions.addAll(processArgs.subList(0, jar));
        userOptions.addAll(tokens(env.getOrDefault("_JAVA_OPTIONS", "")));
        for (String option : userOptions) {
            if (option.equals(CHILD_MARKER) || mustStayHere(option)) {
                return Optional.empty();
            }
        }
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(tokens(flags));
        command.addAll(userOptions);
        command.add(CHILD_MARKER);
        command.add("-jar");
        command.add(processArgs.get(jar + 1));
        command.addAll(args);
        return Optional.of(command);
    }

    private static boolean mustStayHere(String option) {
        return option.startsWith("-XX:+Use") && option.endsWith("GC")
                || option.startsWith("-agentlib:") || option.startsWith("-agentpath:") || option.startsWith("-javaagent:")
                || option.startsWith("-Xrunjdwp") || option.equals("-Xdebug")
                || option.startsWith("@") || option.startsWith("-XX:Flags=") || option.startsWith("-XX:VMOptionsFile=")
                || option.indexOf('"') >= 0 || option.indexOf('\'') >= 0; // quoted: splitting on spaces would mangle it
    }

    private static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        for (StringTokenizer t = new StringTokenizer(s); t.hasMoreTokens(); ) {
            out.add(t.nextToken());
        }
        return out;
    }
}
