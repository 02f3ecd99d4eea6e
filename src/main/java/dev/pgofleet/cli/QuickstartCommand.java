package dev.pgofleet.cli;

import dev.pgofleet.config.CollectorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Runs a collector to try it out, with local key files.",
                "Creates the key files when none exist, prints the keys and where they are, then runs the",
                "collector with them (other PGOF_* variables apply)."},
        footer = {"", "Example:", "  java -jar pgo-fleet.jar quickstart"})
final class QuickstartCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--keys-dir", defaultValue = "dev-keys", description = "Where the key files go (default: ${DEFAULT-VALUE}).")
    Path keysDir;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path submit = keysDir.resolve("submit_keys").toAbsolutePath();
        Path merge = keysDir.resolve("merge_keys").toAbsolutePath();
        Files.createDirectories(keysDir);
        String submitKey = ensureKey(submit);
        String mergeKey = ensureKey(merge);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(CollectorConfig.SUBMIT_KEYS, submit.toString());
        env.put(CollectorConfig.MERGE_KEYS, merge.toString());
        var out = spec.commandLine().getOut();
        out.printf("submit key: %s   (in %s)%nmerge key:  %s   (in %s)%n", submitKey, submit, mergeKey, merge);
        out.printf("try:%n  curl -sS -H 'Authorization: Bearer %s' --data-binary @cpu.pprof http://%s/v1/submit%n"
                        + "  curl -sS -H 'Authorization: Bearer %s' -X POST -o default.pgo http://%s/v1/merge%n",
                submitKey, env.getOrDefault(CollectorConfig.BIND_ADDRESS, "127.0.0.1:8080"), mergeKey,
                env.getOrDefault(CollectorConfig.BIND_ADDRESS, "127.0.0.1:8080"));
        out.flush();
        return CollectorCommand.run(env);
    }

    private static String ensureKey(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty()).findFirst()
                    .orElseThrow(() -> new IOException(file + " has no key"));
        }
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String key = HexFormat.of().formatHex(b);
        Files.writeString(file, key + "\n");
        return key;
    }
}
