package dev.pgofleet.pprof;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Go's view of a hand-made profile: edges within and between the two leaf-most locations, offsets, the hot count. */
class CallEdgesTest {
    @Test
    void edgesOffsetsWeightsAndTheHotCount() throws Exception {
        MergedProfile p = new HandProfile().mapping(1, "/bin/app")
                .function(1, "main.main", 10).function(2, "main.handle", 20).function(3, "main.decode", 30)
                .function(4, "main.parse", 40).function(5, "runtime.memmove", 50)
                .location(1, 1, 0x100, 1, 12)
                .location(2, 1, 0x200, 2, 25)
                .location(3, 1, 0x300, 4, 44, 3, 33) // parse inlined into decode at line 33
                .location(4, 1, 0x400, 5, 51)
                .sample(990, "", 4, 3, 2, 1) // memmove <- parse+decode <- handle <- main: handle and main not read
                .sample(10, "", 2, 1)
                .sample(0, "", 3, 1) // zero weight: no edge
                .merged();
        CallEdges e = CallEdges.of(p);
        assertThat(e.preprofile()).isEqualTo("""
                GO PREPROFILE V1
                main.decode
                main.parse
                3 990
                main.parse
                runtime.memmove
                4 990
                main.main
                main.handle
                2 10
                """);
        assertThat(e.totalWeight()).isEqualTo(1990);
        assertThat(e.hotCount()).as("990 + 990 of 1990 is 99.5%: over 99% with the second edge").isEqualTo(2);
        assertThat(e.hasStartLine()).isTrue();
    }
}
