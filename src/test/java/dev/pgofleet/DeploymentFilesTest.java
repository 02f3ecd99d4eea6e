package dev.pgofleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.CollectorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Dockerfile cannot be built here (no Docker engine): check what it names exists. */
class DeploymentFilesTest {
    private static final Path DOCKERFILE = Path.of("docker/Dockerfile");

    @Test
    void everyPathTheDockerfileCopiesExists() throws Exception {
        List<String> lines = Files.readAllLines(DOCKERFILE);
        List<String> copies = lines.stream().filter(l -> l.startsWith("COPY ") && !l.contains("--from")).toList();
        assertThat(copies).isNotEmpty();
        for (String copy : copies) {
            String source = copy.split("\\s+")[1];
            assertThat(Path.of(source)).as(copy).exists();
        }
        String fromBuild = lines.stream().filter(l -> l.contains("--from=build")).findFirst().orElseThrow();
        assertThat(fromBuild).contains("/src/target/pgo-fleet.jar");
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>pgo-fleet</finalName>");
        assertThat(String.join("\n", lines)).contains("VOLUME /data").contains("EXPOSE 8080").contains("USER 10001")
                .contains("HEALTHCHECK").contains("/healthz");
    }

    @Test
    void everyVariableTheDockerfileSetsIsOneTheCollectorReads() throws Exception {
        String text = Files.readString(DOCKERFILE);
        Matcher m = Pattern.compile("(PGOF_[A-Z_]+)=").matcher(text);
        Set<String> known = CollectorConfig.VARIABLES.stream().map(CollectorConfig.Setting::name).collect(Collectors.toSet());
        int found = 0;
        while (m.find()) {
            assertThat(known).as(m.group(1)).contains(m.group(1));
            found++;
        }
        assertThat(found).isEqualTo(4);
        assertThat(text).contains("PGOF_BIND_ADDRESS=:8080").contains("PGOF_DIRECTORY=/data");
    }

    @Test
    void jvmFlagsAreInTheEntrypointSoNoNoticePrecedesTheFirstLogLine() throws Exception {
        String text = Files.readString(DOCKERFILE);
        assertThat(text).doesNotContain("JAVA_TOOL_OPTIONS=").doesNotContain("JDK_JAVA_OPTIONS=")
                .contains("ENTRYPOINT [\"java\", \"-XX:MaxRAMPercentage=70\", \"-XX:+ExitOnOutOfMemoryError\", \"-jar\"");
    }

    @Test
    void theBuildContextHoldsOnlyWhatTheBuildCopies() throws Exception {
        List<String> ignore = Files.readAllLines(Path.of(".dockerignore")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(ignore.get(0)).isEqualTo("*");
        List<String> copied = Files.readAllLines(DOCKERFILE).stream().filter(l -> l.startsWith("COPY ") && !l.contains("--from"))
                .map(l -> l.split("\\s+")[1]).toList();
        for (String source : copied) {
            assertThat(ignore).as(source).anyMatch(l -> l.equals("!" + source) || l.equals("!" + source + "/"));
        }
    }

    @Test
    void composePathsExistFromTheComposeFilesDirectoryAndNginxWaitsForTheCollector() throws Exception {
        Path compose = Path.of("docker/compose.yaml");
        String text = Files.readString(compose);
        assertThat(text).contains("context: ..").contains("dockerfile: docker/Dockerfile").contains("depends_on: [ collector ]")
                .contains("server collector:8080;");
        assertThat(compose.getParent().resolve("..").resolve("docker/Dockerfile")).exists();
        assertThat(compose.getParent().resolve("./nginx.conf")).exists();
        assertThat(Files.readString(Path.of("docker/nginx.conf"))).contains("server 127.0.0.1:8080;");
        // ../secret is made by the documented command in the repository root, next to docker/
        assertThat(text).contains("\"../secret:/secret:ro\"");
        assertThat(Files.readString(Path.of("docker/README.md"))).contains("docker compose -f docker/compose.yaml up")
                .contains("mkdir -p secret");
    }

    @Test
    void nginxBodyLimitMatchesTheCollectorsDefault() throws Exception {
        String conf = Files.readString(Path.of("docker/nginx.conf"));
        assertThat(conf).contains("client_max_body_size 16m;").contains("X-Forwarded-For").contains("limit_req zone=pgof_submit");
        assertThat(CollectorConfig.fromEnv(java.util.Map.of()).maxBodyBytes()).isEqualTo(16L << 20);
    }
}
