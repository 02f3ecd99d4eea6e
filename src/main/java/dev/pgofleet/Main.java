package dev.pgofleet;

import dev.pgofleet.cli.BatchJvm;
import dev.pgofleet.cli.MergeFilesCommand;
import dev.pgofleet.cli.PgoFleetCommand;
import java.util.OptionalInt;
import picocli.CommandLine;

/** Entry point of {@code java -jar pgo-fleet.jar}: with no arguments it runs the collector. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        OptionalInt inChild = BatchJvm.runInChild(args);
        System.exit(inChild.isPresent() ? inChild.getAsInt() : run(args));
    }

    public static int run(String... args) {
        String[] effective = args.length == 0 ? new String[] {"collector"} : args;
        OptionalInt plain = MergeFilesCommand.runIfPlain(effective);
        if (plain.isPresent()) {
            return plain.getAsInt();
        }
        return PgoFleetCommand.commandLine(effective[0]).execute(effective);
    }
}
