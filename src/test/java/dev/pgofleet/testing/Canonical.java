package dev.pgofleet.testing;

import dev.pgofleet.pprof.proto.ProfileProto;
import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The canonical text of ../shared/testdata/README.md: a profile's meaning without ids, addresses or
 * order, so that two merges compare line by line. Written independently of the merge code.
 */
public final class Canonical {
    private Canonical() {}

    public static String of(byte[] profileBytes) {
        return of(TestData.proto(profileBytes));
    }

    public static String of(Profile p) {
        List<String> st = p.getStringTableList();
        Map<Long, ProfileProto.Function> functions = new HashMap<>();
        p.getFunctionList().forEach(f -> functions.put(f.getId(), f));
        Map<Long, String> locations = new HashMap<>();
        for (ProfileProto.Location l : p.getLocationList()) {
            List<String> lines = new ArrayList<>();
            for (ProfileProto.Line ln : l.getLineList()) {
                ProfileProto.Function f = functions.get(ln.getFunctionId());
                lines.add(f == null ? "?" : st.get((int) f.getName()) + "|" + st.get((int) f.getSystemName()) + "|"
                        + st.get((int) f.getFilename()) + "|start=" + f.getStartLine() + "|line=" + ln.getLine());
            }
            locations.put(l.getId(), "[" + String.join(" ; ", lines) + "]");
        }
        Map<String, long[]> sums = new LinkedHashMap<>();
        for (ProfileProto.Sample s : p.getSampleList()) {
            String stack = s.getLocationIdList().stream().map(locations::get).collect(Collectors.joining(" <- "));
            String key = stack + " {" + labels(s, st) + "}";
            long[] acc = sums.computeIfAbsent(key, k -> new long[s.getValueCount()]);
            for (int i = 0; i < acc.length; i++) {
                acc[i] += s.getValue(i);
            }
        }
        List<byte[]> lines = new ArrayList<>();
        for (Map.Entry<String, long[]> e : sums.entrySet()) {
            if (Arrays.stream(e.getValue()).allMatch(v -> v == 0)) {
                continue;
            }
            String values = Arrays.stream(e.getValue()).mapToObj(Long::toString).collect(Collectors.joining(" "));
            lines.add(("[" + values + "] " + e.getKey()).getBytes(StandardCharsets.UTF_8));
        }
        lines.sort(Arrays::compareUnsigned);
        StringBuilder out = new StringBuilder();
        out.append("#sample_types ").append(p.getSampleTypeList().stream()
                .map(t -> st.get((int) t.getType()) + "/" + st.get((int) t.getUnit())).collect(Collectors.joining(","))).append('\n');
        out.append("#period_type ").append(st.get((int) p.getPeriodType().getType())).append('/')
                .append(st.get((int) p.getPeriodType().getUnit())).append(" period ").append(p.getPeriod()).append('\n');
        out.append("#time ").append(p.getTimeNanos()).append(" duration ").append(p.getDurationNanos()).append('\n');
        out.append("#comments ").append(p.getCommentList().stream().map(c -> st.get(c.intValue())).collect(Collectors.joining("|"))).append('\n');
        out.append("#default_sample_type ").append(st.get((int) p.getDefaultSampleType())).append('\n');
        for (byte[] l : lines) {
            out.append(new String(l, StandardCharsets.UTF_8)).append('\n');
        }
        return out.toString();
    }

    private static String labels(ProfileProto.Sample s, List<String> st) {
        Map<String, List<String>> str = new TreeMap<>();
        Map<String, List<String>> num = new TreeMap<>();
        Map<String, List<String>> units = new TreeMap<>();
        for (ProfileProto.Label l : s.getLabelList()) {
            String key = st.get((int) l.getKey());
            if (l.getStr() != 0) {
                str.computeIfAbsent(key, k -> new ArrayList<>()).add(st.get((int) l.getStr()));
            } else if (l.getNum() != 0 || l.getNumUnit() != 0) {
                num.computeIfAbsent(key, k -> new ArrayList<>()).add(Long.toString(l.getNum()));
                units.computeIfAbsent(key, k -> new ArrayList<>()).add(l.getNumUnit() == 0 ? "" : st.get((int) l.getNumUnit()));
            }
        }
        List<String> parts = new ArrayList<>();
        str.forEach((k, v) -> parts.add(k + "=" + String.join(",", v)));
        num.forEach((k, v) -> {
            List<String> u = units.get(k);
            boolean none = u.stream().allMatch(String::isEmpty);
            parts.add(k + "#" + String.join(",", v) + "#" + (none ? "" : String.join(",", u)));
        });
        parts.sort(null);
        return String.join(" ", parts);
    }
}
