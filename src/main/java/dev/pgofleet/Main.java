package dev.pgofleet;

import dev.pgofleet.cli.PgoFleetCommand;
import picocli.CommandLine;

/** Entry point of {@code java -jar pgo-fleet.jar}: with no arguments it runs the collector. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        String[] effective = args.length == 0 ? new String[] {"collector"} : args;
        return PgoFleetCommand.commandLine().execute(effective);
    }
}
