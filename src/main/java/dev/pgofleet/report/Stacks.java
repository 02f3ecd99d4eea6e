package dev.pgofleet.report;

import dev.pgofleet.pprof.MergedProfile;
import dev.pgofleet.pprof.ValueType;
import java.util.ArrayList;
import java.util.List;

/** Walks a merged profile's samples as function-granular stacks, root first, inlined frames as their own. */
final class Stacks {
    private Stacks() {}

    /** The index of the {@code cpu/nanoseconds} sample type (what {@code -sample_index=cpu} picks). */
    static int cpuIndex(MergedProfile p) {
        List<ValueType> types = p.sampleTypes();
        for (int i = types.size() - 1; i >= 0; i--) {
            if (types.get(i).type().equals("cpu")) {
                return i;
            }
        }
        return types.size() - 1;
    }

    /** The frames of one sample from the root to the leaf, as google/pprof's graph visits them. */
    static List<Frame> rootToLeaf(MergedProfile.Sample s) {
        List<Frame> frames = new ArrayList<>(s.locations().size() * 2);
        for (int i = s.locations().size() - 1; i >= 0; i--) {
            MergedProfile.Location l = s.locations().get(i);
            if (l.lines().isEmpty()) {
                frames.add(Frame.of(l, null));
                continue;
            }
            for (int j = l.lines().size() - 1; j >= 0; j--) {
                frames.add(Frame.of(l, l.lines().get(j)));
            }
        }
        return frames;
    }
}
