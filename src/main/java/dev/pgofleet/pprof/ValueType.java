package dev.pgofleet.pprof;

/** A sample or period type, such as {@code cpu/nanoseconds}; strings as in {@link GoString}. */
public record ValueType(String type, String unit) {
    public static final ValueType CPU_NANOS = new ValueType("cpu", "nanoseconds");
    public static final ValueType SAMPLES_COUNT = new ValueType("samples", "count");

    @Override
    public String toString() {
        return GoString.display(type) + "/" + GoString.display(unit);
    }
}
