package dev.pgofleet.pprof;

import java.util.List;

/** What makes a profile a Go CPU profile: the rule the original collector applied, kept as it was. */
public final class CpuProfileCheck {
    private CpuProfileCheck() {}

    public static ValidProfile require(ValidProfile p) throws InvalidProfileException {
        if (!ValueType.CPU_NANOS.equals(p.periodType())) {
            throw new InvalidProfileException("not a CPU profile: period type is " + describe(p.periodType())
                    + ", expected cpu/nanoseconds");
        }
        List<ValueType> types = p.sampleTypes();
        boolean ok = types.size() == 2
                && (types.get(0).equals(ValueType.SAMPLES_COUNT) && types.get(1).equals(ValueType.CPU_NANOS)
                || types.get(0).equals(ValueType.CPU_NANOS) && types.get(1).equals(ValueType.SAMPLES_COUNT));
        if (!ok) {
            throw new InvalidProfileException("not a CPU profile: sample types are " + types
                    + ", expected samples/count and cpu/nanoseconds");
        }
        return p;
    }

    private static String describe(ValueType t) {
        return t.type().isEmpty() && t.unit().isEmpty() ? "missing" : t.toString();
    }
}
