package dev.pgofleet.report;

import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.pprof.GoString;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ProfileMerger;
import dev.pgofleet.pprof.ValidProfile;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A main binary (a build): file name and build ID of the mapping of a sample's root frame, which
 * is the executable in Go's profiles (runtime.goexit and the like live there). Names are shown as
 * text ({@link GoString#display}).
 */
public record MainBinary(String file, String buildId) {
    public static final MainBinary UNKNOWN = new MainBinary("", "");

    static MainBinary of(MergedProfile.Mapping m) {
        return m == null ? UNKNOWN : new MainBinary(GoString.display(m.file()), GoString.display(m.buildId()));
    }

    /**
     * The main binaries whose samples a stored file holds (one for a submitted profile, several for
     * a rollup of profiles of several builds), in first-seen order; read with the pprof package's
     * own decoder. A profile without samples names its first mapping; an unreadable one, UNKNOWN.
     */
    public static List<MainBinary> in(byte[] stored, DecodeLimits limits) {
        try {
            ProfileMerger merger = new ProfileMerger(true);
            merger.add(ValidProfile.parse(stored, limits));
            MergedProfile p = merger.result();
            Set<MainBinary> found = new LinkedHashSet<>();
            for (MergedProfile.Sample s : p.samples()) {
                if (!s.locations().isEmpty()) {
                    found.add(of(s.locations().get(s.locations().size() - 1).mapping()));
                }
            }
            if (found.isEmpty()) {
                return List.of(p.mappings().isEmpty() ? UNKNOWN : of(p.mappings().get(0)));
            }
            return List.copyOf(found);
        } catch (InvalidProfileException | RuntimeException e) {
            return List.of(UNKNOWN);
        }
    }
}
