package dev.pgofleet.store.s3;

import dev.pgofleet.store.StoredFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which listed objects count. A replacement (rollup or and_combine result) names the objects it
 * covers in its sidecar {@code <name>.covers}, written before it; the replacement's own PUT is the
 * commit point, and the covered objects are deleted only afterwards. So a reader that lists both
 * skips the covered ones, whatever moment the writer died.
 *
 * <p>Two replacements that cover a common object (only possible when a replica died with a PUT in
 * flight, or two replicas compact) cannot both count: taken in order of making, a replacement
 * that covers something an earlier valid one already covers is void, and neither counts nor
 * covers. Every reader decides the same from the same listing.
 *
 * @param live    the objects that count, in name order (arrival order of their content)
 * @param covered names covered by a valid replacement (to be deleted)
 * @param voided  replacements that count for nothing (to be deleted)
 */
record Covers(List<String> live, Set<String> covered, Set<String> voided) {

    /** {@code present}: the stored objects listed; {@code covers}: what each present replacement with a sidecar covers. */
    static Covers resolve(Collection<String> present, Map<String, List<String>> covers) {
        List<String> replacements = new ArrayList<>(covers.keySet());
        replacements.retainAll(present);
        replacements.sort(Comparator.comparingLong((String n) -> StoredFile.of(Path.of(n)).madeMillis()).thenComparing(n -> n));
        Set<String> covered = new HashSet<>(), voided = new HashSet<>();
        for (String r : replacements) {
            List<String> c = covers.get(r);
            if (covered.contains(r)) {
                covered.addAll(c); // replaced itself (a clock set back made the newer one first): so is what it replaced
            } else if (c.stream().anyMatch(covered::contains)) {
                voided.add(r);
            } else {
                covered.addAll(c);
            }
        }
        List<String> live = present.stream().filter(n -> !covered.contains(n) && !voided.contains(n)).sorted().toList();
        return new Covers(live, covered, voided);
    }
}
