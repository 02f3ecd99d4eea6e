package dev.pgofleet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key files with service scopes: {@code KEY svc-a svc-b}, comments, and today's files unchanged. */
class KeyRingScopeTest {
    @TempDir
    Path tmp;

    private KeyRing ring(String text) throws Exception {
        return KeyRing.load("PGOF_SUBMIT_AUTH_KEYS_FILE", Files.writeString(tmp.resolve("keys"), text));
    }

    @Test
    void aKeyAloneOnItsLineMayUseEveryServiceAsToday() throws Exception {
        KeyRing r = ring("alpha\nbe#ta\n");
        assertThat(r.scopeOf("alpha")).isSameAs(ServiceScope.ALL);
        assertThat(r.scopeOf("be#ta")).as("a # inside a key is part of it").isSameAs(ServiceScope.ALL);
        assertThat(r.scopeOf("be")).isNull();
        assertThat(r.scopeOf("alpha ")).isNull();
        assertThat(r.accepts("alpha")).isTrue();
    }

    @Test
    void servicesAfterTheKeyLimitItToThem() throws Exception {
        KeyRing r = ring("k1 checkout payments.api\nk2\tsearch_v2 \t 9lives\nk3\n");
        assertThat(r.size()).isEqualTo(3);
        ServiceScope s1 = r.scopeOf("k1");
        assertThat(s1.isAll()).isFalse();
        assertThat(s1.services()).containsExactly("checkout", "payments.api");
        assertThat(s1.allows("checkout")).isTrue();
        assertThat(s1.allows("default")).isFalse();
        assertThat(s1.allows("search_v2")).isFalse();
        assertThat(r.scopeOf("k2").services()).containsExactly("9lives", "search_v2");
        assertThat(r.scopeOf("k3").allows("anything")).isTrue();
        assertThat(r.scopeOf("checkout")).as("a service name is no key").isNull();
    }

    @Test
    void commentsStartAtTheLineOrAfterASpaceOrTab() throws Exception {
        KeyRing r = ring("# the fleet's keys\n  # indented comment\nk1 checkout # the checkout team\nk2 #every service\nk3\t# also all\nk#4\n");
        assertThat(r.size()).isEqualTo(4);
        assertThat(r.scopeOf("k1").services()).containsExactly("checkout");
        assertThat(r.scopeOf("k2")).isSameAs(ServiceScope.ALL);
        assertThat(r.scopeOf("k3")).isSameAs(ServiceScope.ALL);
        assertThat(r.scopeOf("k#4")).isSameAs(ServiceScope.ALL);
        assertThat(r.scopeOf("#")).isNull();
        assertThat(r.scopeOf("k1 checkout")).isNull();
    }

    @Test
    void theSameKeyOnSeveralLinesMayUseTheUnionOfTheirServices() throws Exception {
        KeyRing r = ring("k a\nk b c\nall x\nall\n");
        assertThat(r.size()).as("one entry per distinct key").isEqualTo(2);
        assertThat(r.scopeOf("k").services()).containsExactly("a", "b", "c");
        assertThat(r.scopeOf("all")).as("a line without services widens to every service").isSameAs(ServiceScope.ALL);
    }

    @Test
    void anInvalidServiceNameIsRefusedNamingTheFileAndLine() throws Exception {
        for (String bad : List.of("Checkout", "a..b", "a/b", "-x", "x%2Fy", "é", "a".repeat(65))) {
            Path f = Files.writeString(tmp.resolve("keys"), "ok\n\nk1 fine " + bad + " # comment\n");
            assertThatThrownBy(() -> KeyRing.load("PGOF_MERGE_AUTH_KEYS_FILE", f)).as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("PGOF_MERGE_AUTH_KEYS_FILE=" + f + " line 3: '" + bad + "' is not a service name (")
                    .hasMessageEndingWith("); a line holds a key, then optionally the services it may use")
                    .hasMessageNotContaining("\n").hasMessageNotContaining("Exception");
        }
    }

    @Test
    void aFileOfOnlyCommentsHasNoKeys() throws Exception {
        assertThatThrownBy(() -> ring("# nothing yet\n   # still nothing\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("file has no keys");
    }

    @Test
    void clientsReadTheKeyOfAScopedLine() throws Exception {
        Path f = Files.writeString(tmp.resolve("client_key"), "# my submit key\nsecret checkout\n");
        assertThat(KeyRing.read("--key-file " + f, f)).containsExactly("secret");
    }
}
