package dev.pgofleet.cli;

import dev.pgofleet.config.CollectorConfig;
import dev.pgofleet.config.ConfigException;
import dev.pgofleet.config.KeyRing;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Runs a collector to try it out, with local key files.",
                "Creates the key files (readable by you only) when none exist, prints the keys as export lines",
                "for a second terminal, then runs the collector with them in the foreground until Ctrl-C",
                "(other PGOF_* variables apply)."},
        footer = {"", "Example:", "  java -jar pgo-fleet.jar quickstart"})
final class QuickstartCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--keys-dir", defaultValue = "dev-keys", description = "Where the key files go (default: ${DEFAULT-VALUE}).")
    Path keysDir;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        Path submit = keysDir.resolve("submit_keys").toAbsolutePath();
        Path merge = keysDir.resolve("merge_keys").toAbsolutePath();
        String submitKey, mergeKey;
        try {
            Files.createDirectories(keysDir);
            submitKey = ensureKey(submit, "--keys-dir " + keysDir + ": " + submit.getFileName());
            mergeKey = ensureKey(merge, "--keys-dir " + keysDir + ": " + merge.getFileName());
        } catch (IOException e) {
            err.println(AtomicFiles.cannot("write", keysDir, e));
            return 1;
        } catch (ConfigException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put(CollectorConfig.SUBMIT_KEYS, submit.toString());
        env.put(CollectorConfig.MERGE_KEYS, merge.toString());
        String address = env.getOrDefault(CollectorConfig.BIND_ADDRESS, "127.0.0.1:8080");
        String base = "http://" + (address.startsWith(":") ? "127.0.0.1" + address : address);
        PrintWriter out = spec.commandLine().getOut();
        out.print(instructions(submit, merge, submitKey, mergeKey, base));
        out.flush();
        return CollectorCommand.run(env, err);
    }

    /** What to paste into a second terminal; the README's curl examples use these variables. */
    static String instructions(Path submit, Path merge, String submitKey, String mergeKey, String base) {
        return String.format("Keys (in %s and %s, readable by you only). In another terminal:%n"
                + "  export SUBMIT_KEY=%s%n  export MERGE_KEY=%s%n"
                + "then run the README's \"Try it\" commands against %s.%n"
                + "The collector now runs in this terminal until Ctrl-C.%n", submit, merge, submitKey, mergeKey, base);
    }

    /** The first key of {@code file}; a new random key in a new file readable by its owner only when there is none. */
    static String ensureKey(Path file, String what) throws IOException, ConfigException {
        if (!Files.exists(file)) {
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            String key = HexFormat.of().formatHex(b);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, key + "\n");
                return key;
            } catch (FileAlreadyExistsException raced) {
                // another quickstart made it meanwhile: use its key
            } catch (UnsupportedOperationException notPosix) {
                Files.writeString(file, key + "\n");
                return key;
            }
        }
        List<String> keys = KeyRing.read(what, file);
        if (keys.isEmpty()) {
            throw new ConfigException(what + ": file has no keys (one key per line expected)");
        }
        return keys.get(0);
    }
}
