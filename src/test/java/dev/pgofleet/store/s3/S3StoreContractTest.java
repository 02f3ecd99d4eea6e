package dev.pgofleet.store.s3;

import dev.pgofleet.store.ProfileStore;
import dev.pgofleet.store.StoreContract;
import dev.pgofleet.testing.S3Server;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a real S3 API (s3proxy in this JVM, objects on a temp directory); each test under its own prefix. */
class S3StoreContractTest extends StoreContract {
    @TempDir
    static Path dir;
    static S3Server server;
    private static int opened;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Server.start(dir);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected ProfileStore open() throws Exception {
        return S3Stores.open(server, "contract" + opened++ + "/", true, 0);
    }
}
