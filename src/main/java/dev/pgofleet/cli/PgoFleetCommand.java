package dev.pgofleet.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "pgo-fleet",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Collects Go CPU profiles from a fleet and serves one merged profile for go build -pgo.",
                "With no arguments, runs the collector."},
        footer = {"", "Examples:",
                "  java -jar pgo-fleet.jar                      # run the collector (configured by PGOF_* variables)",
                "  java -jar pgo-fleet.jar merge-files -o default.pgo prof/*.pprof",
                "  java -jar pgo-fleet.jar submit --url http://collector:8080 --key-file submit_key cpu.pprof",
                "  java -jar pgo-fleet.jar fetch --url http://collector:8080 --key-file merge_key -o default.pgo",
                "  java -jar pgo-fleet.jar agent --url http://collector:8080 --key-file submit_key --target http://app:6060",
                "  java -jar pgo-fleet.jar inspect default.pgo",

                "  java -jar pgo-fleet.jar top --url http://collector:8080 --key-file merge_key -n 20"})
public final class PgoFleetCommand {
    /** Exit code for usage errors, as documented in the README. */
    public static final int EXIT_USAGE = 2;

    /** The subcommands, in the order help lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("collector", CollectorCommand::new);
        SUBCOMMANDS.put("quickstart", QuickstartCommand::new);
        SUBCOMMANDS.put("merge-files", MergeFilesCommand::new);
        SUBCOMMANDS.put("submit", SubmitCommand::new);
        SUBCOMMANDS.put("fetch", FetchCommand::new);
        SUBCOMMANDS.put("agent", AgentCommand::new);
        SUBCOMMANDS.put("inspect", InspectCommand::new);
        SUBCOMMANDS.put("top", TopCommand::new);
        SUBCOMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    /** The full command line, every subcommand included. */
    public static CommandLine commandLine() {
        return commandLine("");
    }

    /**
     * The command line to run {@code firstArg}: picocli reads each subcommand's annotations when it
     * is added, which a one-shot command in a fresh JVM pays for, so when {@code firstArg} names a
     * subcommand only that one is added. Anything else (help, an unknown name) gets them all.
     */
    public static CommandLine commandLine(String firstArg) {
        CommandLine cl = new CommandLine(new PgoFleetCommand());
        boolean one = SUBCOMMANDS.containsKey(firstArg) && !firstArg.equals("help");
        SUBCOMMANDS.forEach((name, command) -> {
            if (!one || name.equals(firstArg)) {
                cl.addSubcommand(name, command.get());
            }
        });
        cl.setUsageHelpWidth(120); // applies to the subcommands added so far
        if (cl.getSubcommands().containsKey("collector")) {
            var collectorHelp = cl.getSubcommands().get("collector").getCommandSpec().usageMessage();
            String[] footer = collectorHelp.footer();
            String[] withVariables = new String[footer.length + 2];
            withVariables[0] = "%nEnvironment:";
            withVariables[1] = CollectorCommand.VARIABLES_HELP.replace("%", "%%");
            System.arraycopy(footer, 0, withVariables, 2, footer.length);
            collectorHelp.footer(withVariables);
        }
        cl.setExitCodeExceptionMapper(e -> 1);
        // A failure no command turned into its own message: one line, never a stack trace or a class name.
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("error: " + (ex.getMessage() == null || ex.getMessage().contains("Exception")
                    ? "unexpected internal failure" : ex.getMessage()));
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return EXIT_USAGE;
        });
        return cl;
    }
}
