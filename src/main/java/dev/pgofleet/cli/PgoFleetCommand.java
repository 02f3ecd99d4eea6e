package dev.pgofleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "pgo-fleet",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Collects Go CPU profiles from a fleet and serves one merged profile for go build -pgo.",
                "With no arguments, runs the collector."},
        subcommands = {CollectorCommand.class, MergeFilesCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  java -jar pgo-fleet.jar                      # run the collector (configured by PGOF_* variables)",
                "  java -jar pgo-fleet.jar merge-files -o default.pgo prof/*.pprof"})
public final class PgoFleetCommand {
    /** Exit code for usage errors, as documented in the README. */
    public static final int EXIT_USAGE = 2;

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PgoFleetCommand());
        cl.setExitCodeExceptionMapper(e -> 1);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return EXIT_USAGE;
        });
        return cl;
    }
}
