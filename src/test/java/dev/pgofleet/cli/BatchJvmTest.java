package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** When a one-shot command runs again in a child JVM, and with what command line. */
class BatchJvmTest {
    private static final String JAR = "/opt/pgo-fleet.jar";
    private static final List<String> MERGE = Stream.concat(Stream.of("merge-files", "-o", "out.pgo"),
            IntStream.range(0, BatchJvm.MIN_ARGS).mapToObj(i -> "in" + i + ".pprof")).toList();
    private static final List<String> SMALL_MERGE = MERGE.subList(0, BatchJvm.MIN_ARGS - 1);
    private static final List<String> OURS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmn24m");

    /** {@code java OPTIONS -jar JAR args} as /proc shows it, without the executable. */
    private static List<String> launched(List<String> options, List<String> args) {
        List<String> l = new ArrayList<>(options);
        l.add("-jar");
        l.add(JAR);
        l.addAll(args);
        return l;
    }

    private static Optional<List<String>> child(List<String> flags, List<String> userOptions) {
        List<String> c = new ArrayList<>(List.of("/usr/bin/java"));
        c.addAll(flags);
        c.addAll(userOptions);
        c.add(BatchJvm.CHILD_MARKER);
        c.addAll(launched(List.of(), MERGE));
        return Optional.of(c);
    }

    private static List<String> withoutExecutable(List<String> command) {
        return command.subList(1, command.size());
    }

    static Stream<Arguments> cases() {
        List<String> plain = launched(List.of(), MERGE);
        return Stream.of(
                Arguments.of("plain java -jar", plain, MERGE, Map.of(), child(OURS, List.of())),
                Arguments.of("the user's options follow ours", launched(List.of("-Xmx1g", "-Dx=y"), MERGE), MERGE, Map.of(),
                        child(OURS, List.of("-Xmx1g", "-Dx=y"))),
                Arguments.of("flags from PGOF_BATCH_JVM_FLAGS", plain, MERGE, Map.of(BatchJvm.VARIABLE, " -Xmx2g  -Xlog:gc "),
                        child(List.of("-Xmx2g", "-Xlog:gc"), List.of())),
                Arguments.of("options from the variables, in the JVM's order (the Docker image has JAVA_TOOL_OPTIONS)",
                        launched(List.of("-Xss1m"), MERGE), MERGE, Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError",
                                "JDK_JAVA_OPTIONS", "-Xmx1g", "_JAVA_OPTIONS", "-Xms64m"),
                        child(OURS, List.of("-XX:MaxRAMPercentage=70", "-XX:+ExitOnOutOfMemoryError", "-Xmx1g", "-Xss1m", "-Xms64m"))),
                Arguments.of("a quoted option in a variable", plain, MERGE, Map.of("JDK_JAVA_OPTIONS", "\"-Dname=a b\""), Optional.empty()),
                Arguments.of("turned off", plain, MERGE, Map.of(BatchJvm.VARIABLE, ""), Optional.empty()),
                Arguments.of("the user's collector", launched(List.of("-XX:+UseParallelGC"), MERGE), MERGE, Map.of(), Optional.empty()),
                Arguments.of("the user's collector in JDK_JAVA_OPTIONS", plain, MERGE, Map.of("JDK_JAVA_OPTIONS", "-Xmx1g -XX:+UseZGC"),
                        Optional.empty()),
                Arguments.of("a debugger", launched(List.of("-agentlib:jdwp=transport=dt_socket,server=y"), MERGE), MERGE, Map.of(),
                        Optional.empty()),
                Arguments.of("an agent in JAVA_TOOL_OPTIONS", plain, MERGE, Map.of("JAVA_TOOL_OPTIONS", "-javaagent:/x.jar"), Optional.empty()),
                Arguments.of("options from a file", launched(List.of("@jvm.options"), MERGE), MERGE, Map.of(), Optional.empty()),
                Arguments.of("the child itself", withoutExecutable(child(OURS, List.of()).orElseThrow()), MERGE, Map.of(), Optional.empty()),
                Arguments.of("too few inputs to be worth a second JVM", launched(List.of(), SMALL_MERGE), SMALL_MERGE, Map.of(), Optional.empty()),
                Arguments.of("not a batch command", launched(List.of(), List.of("collector")), List.of("collector"), Map.of(), Optional.empty()),
                Arguments.of("started without -jar", Stream.concat(Stream.of("-cp", JAR, "dev.pgofleet.Main"), MERGE.stream()).toList(),
                        MERGE, Map.of(), Optional.empty()),
                Arguments.of("arguments not as the JVM saw them", plain, MERGE.subList(0, MERGE.size() - 1), Map.of(), Optional.empty()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decidesTheChildCommandLine(String name, List<String> processArgs, List<String> args, Map<String, String> env,
                                    Optional<List<String>> expected) {
        assertThat(BatchJvm.childCommand("/usr/bin/java", processArgs, args, env)).isEqualTo(expected);
    }
}
