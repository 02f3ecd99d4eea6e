package dev.pgofleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "pgo-fleet",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Collects Go CPU profiles from a fleet and serves one merged profile for go build -pgo.",
                "With no arguments, runs the collector."},
        subcommands = {CollectorCommand.class, QuickstartCommand.class, MergeFilesCommand.class, SubmitCommand.class,
                FetchCommand.class, AgentCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  java -jar pgo-fleet.jar                      # run the collector (configured by PGOF_* variables)",
                "  java -jar pgo-fleet.jar merge-files -o default.pgo prof/*.pprof",
                "  java -jar pgo-fleet.jar submit --url http://collector:8080 --key-file submit_key cpu.pprof",
                "  java -jar pgo-fleet.jar fetch --url http://collector:8080 --key-file merge_key -o default.pgo",
                "  java -jar pgo-fleet.jar agent --url http://collector:8080 --key-file submit_key --target http://app:6060"})
public final class PgoFleetCommand {
    /** Exit code for usage errors, as documented in the README. */
    public static final int EXIT_USAGE = 2;

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PgoFleetCommand());
        cl.setUsageHelpWidth(120);
        var collectorHelp = cl.getSubcommands().get("collector").getCommandSpec().usageMessage();
        String[] footer = collectorHelp.footer();
        String[] withVariables = new String[footer.length + 2];
        withVariables[0] = "%nEnvironment:";
        withVariables[1] = CollectorCommand.VARIABLES_HELP.replace("%", "%%");
        System.arraycopy(footer, 0, withVariables, 2, footer.length);
        collectorHelp.footer(withVariables);
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
