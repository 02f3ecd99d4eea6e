package dev.pgofleet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.ProfileForm;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The merge query's form and exclude parameters, as MergeHandler reads them. */
class MergeFormTest {
    private static ProfileForm form(String uri, ExcludedFunctions collector) {
        RoutedRequest req = new RoutedRequest(Endpoint.MERGE, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri),
                new QueryStringDecoder(uri));
        try {
            return MergeHandler.form(req, collector);
        } finally {
            req.release();
        }
    }

    @Test
    void fullIsTheDefaultAndLeanStripAndExcludesCombine() {
        assertThat(form("/v1/merge", ExcludedFunctions.NONE)).isEqualTo(ProfileForm.FULL);
        assertThat(form("/v1/merge?form=full", ExcludedFunctions.NONE).isFull()).isTrue();
        assertThat(form("/v1/merge?form=lean&strip_labels=true", ExcludedFunctions.NONE))
                .isEqualTo(new ProfileForm(true, true, ExcludedFunctions.NONE));
        ExcludedFunctions collector = ExcludedFunctions.of(List.of("^runtime\\.gopark$"));
        assertThat(form("/v1/merge?exclude=%5Egrpc%5C.&exclude=x", collector).exclude().patterns())
                .containsExactly("^runtime\\.gopark$", "^grpc\\.", "x");
        assertThat(form("/v1/merge", collector).exclude()).isEqualTo(collector);
    }

    @Test
    void badValuesAreOneLineReasons() {
        assertThatThrownBy(() -> form("/v1/merge?form=LEAN", ExcludedFunctions.NONE)).hasMessage("invalid form=LEAN: expected full or lean");
        assertThatThrownBy(() -> form("/v1/merge?exclude=%28", ExcludedFunctions.NONE)).hasMessageStartingWith("invalid exclude: invalid pattern (: ");
        assertThatThrownBy(() -> form("/v1/merge?exclude=" + "a".repeat(MergeHandler.MAX_PATTERN_LENGTH + 1), ExcludedFunctions.NONE))
                .hasMessage("exclude pattern too long: at most 256 characters");
        assertThatThrownBy(() -> form("/v1/merge" + "&exclude=a".repeat(MergeHandler.MAX_EXCLUDES + 1).replaceFirst("&", "?"),
                ExcludedFunctions.NONE)).hasMessage("too many exclude patterns: at most 16");
    }
}
