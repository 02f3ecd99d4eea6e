package dev.pgofleet.report;

import dev.pgofleet.pprof.MergedProfile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a merge holds, for {@code GET /v1/summary}: the store inventory that went into it, totals,
 * the main binaries (builds) and the top functions. Built once per merge and kept with it.
 */
public final class Summary {
    /** One main binary: CPU from the samples whose root frame is in it, profiles from the stored files. */
    public record Build(String file, String buildId, long profiles, long cpuNanos, long lastMillis) {}

    private final MergedProfile profile;
    private final List<StoredInput> inputs;
    private final TopFunctions top;
    private final List<Build> builds;
    private final long samples;
    private final long cpuNanos;
    private final long mergeBytes;

    /** {@code mergeBytes}: the size of the merged profile as served (gzipped). */
    public Summary(MergedProfile profile, List<StoredInput> inputs, long mergeBytes) {
        this.mergeBytes = mergeBytes;
        this.profile = profile;
        this.inputs = List.copyOf(inputs);
        this.top = TopFunctions.of(profile);
        int cpu = Stacks.cpuIndex(profile);
        int count = cpu == 0 ? -1 : 0;
        this.samples = count < 0 ? 0 : profile.total(count);
        this.cpuNanos = profile.total(cpu);
        this.builds = builds(profile, cpu, this.inputs);
    }

    private static List<Build> builds(MergedProfile p, int cpu, List<StoredInput> inputs) {
        Map<MainBinary, long[]> byBinary = new LinkedHashMap<>(); // profiles, cpu, last received
        for (StoredInput in : inputs) {
            for (MainBinary binary : in.binaries()) {
                long[] b = byBinary.computeIfAbsent(binary, k -> new long[] {0, 0, -1});
                // Profiles of a rollup that mixes builds cannot be told apart: counted in unattributed().
                b[0] += in.binaries().size() == 1 ? in.profiles() : 0;
                b[2] = Math.max(b[2], in.lastMillis());
            }
        }
        for (MergedProfile.Sample s : p.samples()) {
            if (s.locations().isEmpty()) {
                continue;
            }
            MergedProfile.Mapping m = s.locations().get(s.locations().size() - 1).mapping();
            MainBinary key = MainBinary.of(m);
            byBinary.computeIfAbsent(key, k -> new long[] {0, 0, -1})[1] += s.value(cpu);
        }
        List<Build> out = new ArrayList<>();
        byBinary.forEach((k, v) -> {
            if (v[0] > 0 || v[1] != 0 || v[2] >= 0) {
                out.add(new Build(k.file(), k.buildId(), v[0], v[1], v[2]));
            }
        });
        out.sort(Comparator.comparingLong((Build b) -> -b.lastMillis).thenComparingLong(b -> -b.cpuNanos)
                .thenComparing(Build::file, GoStrings.ORDER).thenComparing(Build::buildId, GoStrings.ORDER));
        return List.copyOf(out);
    }

    public TopFunctions top() { return top; }
    public List<Build> builds() { return builds; }
    public long cpuNanos() { return cpuNanos; }
    public long samples() { return samples; }
    public MergedProfile profile() { return profile; }

    public long profiles() {
        return inputs.stream().mapToLong(StoredInput::profiles).sum();
    }

    /** Profiles in rollups holding several builds: in the totals, not in any build's count. */
    public long unattributed() {
        return inputs.stream().filter(in -> in.binaries().size() > 1).mapToLong(StoredInput::profiles).sum();
    }

    /** The answer of {@code GET /v1/summary}, with the {@code topN} hottest functions. */
    public String json(String service, String form, int topN, boolean byCum) {
        StringBuilder o = new StringBuilder(4096);
        o.append("{\"service\":");
        Json.string(service, o);
        o.append(",\"form\":");
        Json.string(form, o);
        o.append(",\"profiles\":").append(profiles());
        o.append(",\"files\":").append(inputs.size());
        o.append(",\"bytes\":").append(inputs.stream().mapToLong(StoredInput::bytes).sum());
        o.append(",\"merge_bytes\":").append(mergeBytes);
        long first = inputs.stream().mapToLong(StoredInput::firstMillis).filter(t -> t >= 0).min().orElse(-1);
        long last = inputs.stream().mapToLong(StoredInput::lastMillis).filter(t -> t >= 0).max().orElse(-1);
        o.append(",\"first_received\":").append(time(first));
        o.append(",\"last_received\":").append(time(last));
        o.append(",\"duration_seconds\":").append(Json.number(profile.durationNanos() / 1e9));
        o.append(",\"samples\":").append(samples);
        o.append(",\"cpu_nanoseconds\":").append(cpuNanos);
        o.append(",\"functions\":").append(top.size());
        o.append(",\"builds_unattributed_profiles\":").append(unattributed());
        o.append(",\"builds\":[");
        for (int i = 0; i < builds.size(); i++) {
            Build b = builds.get(i);
            o.append(i == 0 ? "" : ",").append("{\"file\":");
            Json.string(b.file, o);
            o.append(",\"build_id\":");
            Json.string(b.buildId, o);
            o.append(",\"profiles\":").append(b.profiles);
            o.append(",\"cpu_nanoseconds\":").append(b.cpuNanos);
            o.append(",\"cpu_percent\":").append(Json.number(top.percent(b.cpuNanos)));
            o.append(",\"last_received\":").append(time(b.lastMillis)).append('}');
        }
        o.append("],\"top\":[");
        List<TopFunctions.Entry> entries = top.top(topN, byCum);
        for (int i = 0; i < entries.size(); i++) {
            TopFunctions.Entry e = entries.get(i);
            o.append(i == 0 ? "" : ",").append("{\"name\":");
            Json.string(e.name(), o);
            o.append(",\"flat\":").append(e.flat());
            o.append(",\"flat_percent\":").append(Json.number(top.percent(e.flat())));
            o.append(",\"cum\":").append(e.cum());
            o.append(",\"cum_percent\":").append(Json.number(top.percent(e.cum()))).append('}');
        }
        return o.append("]}").toString();
    }

    private static String time(long millis) {
        return millis < 0 ? "null" : "\"" + Instant.ofEpochMilli(millis) + "\"";
    }
}
