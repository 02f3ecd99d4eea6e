package dev.pgofleet.report;

import dev.pgofleet.pprof.GoString;
import dev.pgofleet.pprof.MergedProfile;

/**
 * A call-graph node at function granularity, identified as google/pprof's {@code NodeInfo} is
 * after {@code Aggregate(inlines, function)}: by function name; a function without a name by its
 * binary and start line; a frame without a function by its binary.
 */
public record Frame(String name, String objfile, long startLine) {
    static Frame of(MergedProfile.Location location, MergedProfile.Line line) {
        String objfile = location.mapping() == null ? "" : GoString.display(location.mapping().file());
        if (line == null || line.function() == null) {
            return new Frame("", objfile, 0);
        }
        String name = GoString.display(line.function().name());
        return name.isEmpty() ? new Frame("", objfile, line.function().startLine()) : new Frame(name, "", 0);
    }

    /** The name go tool pprof prints for this node. */
    String printable() {
        if (!name.isEmpty()) {
            return name;
        }
        if (!objfile.isEmpty()) {
            int slash = objfile.lastIndexOf('/');
            return "[" + objfile.substring(slash + 1) + "]";
        }
        return "<unknown>";
    }
}
