package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The mark a merge takes: names issued after it, or still in flight then, were not accepted at it; a name is pending until its write is done. */
class RawNamesTest {
    private static final Path DIR = Path.of("/store");

    @Test
    void aMarkHoldsTheSubmitsAcceptedWhenItWasTaken() {
        RawNames names = new RawNames();
        StoredFile accepted = names.next(DIR);
        StoredFile inFlight = names.next(DIR);
        names.done(accepted);
        RawNames.Mark mark = names.mark();
        StoredFile after = names.next(DIR);
        names.done(inFlight);

        assertThat(names.notAcceptedAt(accepted, mark)).isFalse();
        assertThat(names.notAcceptedAt(inFlight, mark)).as("still being made durable at the mark, done since").isTrue();
        assertThat(names.notAcceptedAt(after, mark)).as("named after the mark").isTrue();
        StoredFile otherBoot = StoredFile.of(DIR.resolve(StoredFile.raw(after.fromMillis(), after.seq(), "0ther0")));
        assertThat(names.notAcceptedAt(otherBoot, mark)).as("another process's file is never left out").isFalse();

        assertThat(names.isPending(after)).as("in flight until done").isTrue();
        names.done(after);
        assertThat(names.isPending(after)).isFalse();
        assertThat(names.isPending(inFlight)).isFalse();
    }
}
