package dev.pgofleet.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs a command in-process and keeps what it printed. */
record CliRun(int exit, String out, String err) {
    static CliRun of(String... args) {
        return withEnv(null, args);
    }

    /** As {@link #of}, the agent reading its log settings from {@code env}. */
    static CliRun withEnv(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = PgoFleetCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        if (env != null && cl.getSubcommands().get("agent").getCommand() instanceof AgentCommand agent) {
            agent.env = env;
        }
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
