package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The compaction scheduler's fairness, on passes that stand in for compactors: each round gives
 * every due service one bounded pass, so a service with a large backlog never makes another wait
 * for more than one of its passes.
 */
class CompactionSchedulerTest {
    /** Services with their waiting profiles; a pass takes at most a batch and records who ran. */
    private final Map<String, Long> waiting = new TreeMap<>();
    private final List<String> passes = new ArrayList<>();

    private List<CompactionScheduler.Entry> entries() {
        return waiting.keySet().stream().map(name -> new CompactionScheduler.Entry(name, () -> {
            passes.add(name);
            int taken = (int) Math.min(Compactor.BATCH, waiting.get(name));
            waiting.put(name, waiting.get(name) - taken);
            return taken;
        }, () -> waiting.get(name))).toList();
    }

    @Test
    void aBacklogOfOneServiceTakesOnePassPerRoundAndTheOthersAreServedInEachRound() {
        waiting.put("busy", 20_000L);
        waiting.put("quiet", 300L);
        waiting.put("zeta", 260L);
        CompactionScheduler s = new CompactionScheduler(this::entries, Duration.ofHours(1));
        assertThat(s.round()).as("busy took a full batch").isTrue();
        assertThat(passes).containsExactly("busy", "quiet", "zeta");
        assertThat(waiting).containsEntry("quiet", 0L).containsEntry("zeta", 0L).containsEntry("busy", 20_000L - Compactor.BATCH);
        s.tick(); // rounds until no full batch is left
        assertThat(waiting.get("busy")).isZero();
        assertThat(passes.subList(3, passes.size())).containsOnly("busy").hasSize(4);
    }

    @Test
    void roundsGoOnFromTheServiceServedLast() {
        waiting.put("a", 300L);
        waiting.put("b", 0L);
        waiting.put("c", 300L);
        CompactionScheduler s = new CompactionScheduler(this::entries, Duration.ofHours(1));
        s.round();
        assertThat(passes).as("due by backlog only, within the interval").containsExactly("a", "c");
        waiting.put("a", 300L);
        waiting.put("b", 300L);
        passes.clear();
        s.round();
        assertThat(passes).as("after c: a, then b").containsExactly("a", "b");
    }

    @Test
    void everyServiceIsDueOnceItsIntervalIsOver() throws Exception {
        waiting.put("a", 1L);
        waiting.put("b", 0L);
        CompactionScheduler s = new CompactionScheduler(this::entries, Duration.ofMillis(1));
        s.round(); // first seen: due an interval from now
        long end = System.nanoTime() + 2_000_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        s.round();
        assertThat(passes).containsExactly("a", "b");
        assertThat(waiting.get("a")).isZero();
    }
}
