package dev.pgofleet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "collector", mixinStandardHelpOptions = true,
        description = {"Runs the collector HTTP server (the default command)."})
final class CollectorCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        return 0;
    }
}
