package dev.pgofleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
    private static final List<String> MERGE = Stream.concat(Stream.of("merge-files", "-o", "out.pgo"),
            IntStream.range(0, BatchJvm.MIN_ARGS).mapToObj(i -> "in" + i + ".pprof")).toList();
    private static final List<String> SMALL_MERGE = MERGE.subList(0, BatchJvm.MIN_ARGS - 1);

    static Stream<Arguments> cases() {
        List<String> plain = Stream.concat(Stream.of("-jar", "/opt/pgo-fleet.jar"), MERGE.stream()).toList();
        List<String> child = Stream.concat(Stream.of("/usr/bin/java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmn24m", "-jar",
                "/opt/pgo-fleet.jar"), MERGE.stream()).toList();
        List<String> withXmx = Stream.concat(Stream.of("-Xmx1g", "-jar", "/opt/pgo-fleet.jar"), MERGE.stream()).toList();
        List<String> collector = List.of("-jar", "/opt/pgo-fleet.jar", "collector");
        List<String> ownFlags = Stream.concat(Stream.of("/usr/bin/java", "-Xmx2g", "-Xlog:gc", "-jar", "/opt/pgo-fleet.jar"),
                MERGE.stream()).toList();
        return Stream.of(
                Arguments.of("plain java -jar merge-files", plain, MERGE, Map.of(), Optional.of(child)),
                Arguments.of("flags from PGOF_BATCH_JVM_FLAGS", plain, MERGE, Map.of(BatchJvm.VARIABLE, " -Xmx2g  -Xlog:gc "), Optional.of(ownFlags)),
                Arguments.of("turned off", plain, MERGE, Map.of(BatchJvm.VARIABLE, ""), Optional.empty()),
                Arguments.of("user's JVM options on the command line", withXmx, MERGE, Map.of(), Optional.empty()),
                Arguments.of("user's JVM options in JDK_JAVA_OPTIONS", plain, MERGE, Map.of("JDK_JAVA_OPTIONS", "-Xmx1g"), Optional.empty()),
                Arguments.of("user's JVM options in JAVA_TOOL_OPTIONS", plain, MERGE, Map.of("JAVA_TOOL_OPTIONS", "-Xss2m"), Optional.empty()),
                Arguments.of("too few inputs to be worth a second JVM",
                        Stream.concat(Stream.of("-jar", "/opt/pgo-fleet.jar"), SMALL_MERGE.stream()).toList(), SMALL_MERGE, Map.of(), Optional.empty()),
                Arguments.of("not a batch command", collector, List.of("collector"), Map.of(), Optional.empty()),
                Arguments.of("no command", List.of("-jar", "/opt/pgo-fleet.jar"), List.of(), Map.of(), Optional.empty()),
                Arguments.of("the child itself (flags present)", child.subList(1, child.size()), MERGE, Map.of(), Optional.empty()),
                Arguments.of("arguments not as the JVM saw them", plain, List.of("merge-files", "-o", "x"), Map.of(), Optional.empty()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decidesTheChildCommandLine(String name, List<String> processArgs, List<String> args, Map<String, String> env,
                                    Optional<List<String>> expected) {
        assertThat(BatchJvm.childCommand("/usr/bin/java", processArgs, args, env)).isEqualTo(expected);
    }
}
