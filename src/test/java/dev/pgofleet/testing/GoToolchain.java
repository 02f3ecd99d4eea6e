package dev.pgofleet.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * The Go toolchain for interop tests: {@code $PGOF_GO} or {@code go} on PATH, at least Go 1.21
 * (for -pgo). Tests call {@link #require()}; without a toolchain they are skipped with a message
 * saying how to get one (../shared/docs/go-toolchain.md; .ci/run installs it).
 */
public final class GoToolchain {
    private static final Pattern VERSION = Pattern.compile("go(\\d+)\\.(\\d+)");
    private final Path go;
    private final Path home;

    private GoToolchain(Path go, Path home) {
        this.go = go;
        this.home = home;
    }

    public static GoToolchain require(Path scratch) {
        Path go = find();
        if (go == null) {
            String why = "Go toolchain not found (set PGOF_GO or put go >= 1.21 on PATH; .ci/install-go.sh installs one): "
                    + "Go interop tests SKIPPED";
            System.out.println(why);
            Assumptions.abort(why);
        }
        GoToolchain t = new GoToolchain(go, scratch);
        String version = t.run(scratch, 60, "version").trim();
        Matcher m = VERSION.matcher(version);
        Assumptions.assumeTrue(m.find() && (Integer.parseInt(m.group(1)) > 1 || Integer.parseInt(m.group(2)) >= 21),
                "Go toolchain too old for -pgo (" + version + "): Go interop tests skipped");
        return t;
    }

    private static Path find() {
        String env = System.getenv("PGOF_GO");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, "go");
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs {@code go args...} in {@code dir}; returns stdout+stderr, fails the test on a non-zero exit. */
    public String run(Path dir, int timeoutSeconds, String... args) {
        return exec(dir, timeoutSeconds, Map.of(), args);
    }

    public String exec(Path dir, int timeoutSeconds, Map<String, String> extraEnv, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(go.toString());
        cmd.addAll(List.of(args));
        return Exec.run(dir, timeoutSeconds, env(extraEnv), cmd);
    }

    private Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("GOTOOLCHAIN", "local");
        env.put("GOPROXY", "off");
        env.put("GOFLAGS", "-mod=mod");
        env.put("GOPATH", home.resolve("gopath").toString());
        env.put("GOCACHE", home.resolve("gocache").toString());
        env.put("HOME", home.toString());
        Path goroot = go.toAbsolutePath().getParent().getParent();
        if (Files.isDirectory(goroot.resolve("src/runtime"))) {
            env.put("GOROOT", goroot.toString());
        }
        env.putAll(extra);
        return env;
    }

    /** Runs any command; output (stdout and stderr) is returned, a non-zero exit fails the test. */
    public static final class Exec {
        private Exec() {}

        public static String run(Path dir, int timeoutSeconds, Map<String, String> env, List<String> cmd) {
            try {
                Path out = Files.createTempFile("exec", ".out");
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile());
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + timeoutSeconds + "s: " + cmd);
                }
                String text = new String(Files.readAllBytes(out), StandardCharsets.UTF_8); // Go output may hold any bytes
                Files.deleteIfExists(out);
                if (p.exitValue() != 0) {
                    throw new AssertionError("exit " + p.exitValue() + " from " + cmd + ":\n" + text);
                }
                return text;
            } catch (IOException e) {
                throw new AssertionError("cannot run " + cmd + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
