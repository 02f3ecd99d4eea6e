package dev.pgofleet.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The mark a merge takes: names issued after it are later; a name is pending until its write is done. */
class RawNamesTest {
    private static final Path DIR = Path.of("/store");

    @Test
    void aMarkSeparatesEarlierNamesFromLaterOnes() {
        RawNames names = new RawNames();
        StoredFile before = names.next(DIR);
        long mark = names.mark();
        StoredFile after = names.next(DIR);

        assertThat(names.namedAfter(before, mark)).isFalse();
        assertThat(names.namedAfter(after, mark)).isTrue();
        StoredFile otherBoot = StoredFile.of(DIR.resolve(StoredFile.raw(after.fromMillis(), after.seq(), "0ther0")));
        assertThat(names.namedAfter(otherBoot, mark)).as("another process's file is never later").isFalse();

        assertThat(names.isPending(before)).as("in flight until done").isTrue();
        names.done(before);
        assertThat(names.isPending(before)).isFalse();
        assertThat(names.isPending(after)).isTrue();
    }
}
