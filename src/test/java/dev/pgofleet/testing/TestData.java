package dev.pgofleet.testing;

import dev.pgofleet.pprof.Gzip;
import dev.pgofleet.pprof.InvalidProfileException;
import dev.pgofleet.pprof.proto.ProfileProto.Profile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The fixtures copied from ../shared/testdata into src/test/resources/testdata. */
public final class TestData {
    private TestData() {}

    public static Path root() {
        try {
            return Path.of(TestData.class.getResource("/testdata/README.md").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    public static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Path> fleet() {
        try (Stream<Path> s = Files.list(path("profiles/fleet"))) {
            return s.filter(p -> p.toString().endsWith(".pprof")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Input paths of a golden case, in merge order. */
    public static List<Path> goldenInputs(String name) {
        try {
            return Files.readAllLines(path("golden/" + name + ".inputs")).stream()
                    .filter(l -> !l.isBlank()).map(l -> path(l.trim())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parsed with the generated protobuf classes: an independent reader to check ours against. */
    public static Profile proto(byte[] data) {
        try {
            return Profile.parseFrom(Gzip.isGzip(data) ? Gzip.gunzip(data, Integer.MAX_VALUE - 8) : data);
        } catch (InvalidProfileException | com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}
