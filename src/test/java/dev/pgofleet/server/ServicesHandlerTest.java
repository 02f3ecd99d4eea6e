package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgofleet.config.ServiceScope;
import dev.pgofleet.pprof.DecodeLimits;
import dev.pgofleet.store.DiskServiceStores;
import dev.pgofleet.store.ProfileStore;
import dev.pgofleet.store.Services;
import dev.pgofleet.testing.TestData;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/services} shows only the services the key's scope allows, sorted by name. */
class ServicesHandlerTest {
    @TempDir
    Path tmp;

    private static String answer(Services services, ServiceScope scope) {
        EmbeddedChannel ch = new EmbeddedChannel(new ServicesHandler(services, Runnable::run, 1));
        ch.writeInbound(new RoutedRequest(Endpoint.SERVICES, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                "/v1/services"), new QueryStringDecoder("/v1/services"), scope));
        FullHttpResponse r = ch.readOutbound();
        try {
            assertThat(r.status().code()).isEqualTo(200);
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aScopedKeySeesItsServicesOnly() throws Exception {
        Path root = tmp.resolve("store");
        try (Services services = Services.open(ProfileStore.open(root, 1, 16), new DiskServiceStores(root, 1, 16, DecodeLimits.DEFAULT),
                new Services.Settings(DecodeLimits.DEFAULT, null, 0, 1, 10, Duration.ofHours(1), System::currentTimeMillis, () -> false))) {
            for (String name : List.of("c", "a", "b")) {
                services.create(name);
            }
            services.get("b").store().store(TestData.bytes("profiles/fleet/inst001.pprof")).join();
            String all = answer(services, ServiceScope.ALL);
            assertThat(all).startsWith("[{\"name\":\"a\",\"profiles\":0,\"bytes\":0,\"first_received\":null,\"last_received\":null,"
                    + "\"waiting\":0},{\"name\":\"b\",\"profiles\":1,").contains("},{\"name\":\"c\",").contains("},{\"name\":\"default\",");
            assertThat(answer(services, ServiceScope.of(List.of("c", "a", "not-there"))))
                    .isEqualTo("[{\"name\":\"a\",\"profiles\":0,\"bytes\":0,\"first_received\":null,\"last_received\":null,\"waiting\":0},"
                            + "{\"name\":\"c\",\"profiles\":0,\"bytes\":0,\"first_received\":null,\"last_received\":null,\"waiting\":0}]");
            assertThat(answer(services, ServiceScope.of(List.of("nothing")))).isEqualTo("[]");
        }
    }
}
