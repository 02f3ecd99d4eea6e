package dev.pgofleet.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a local directory. */
class DiskStoreContractTest extends StoreContract {
    @TempDir
    Path dir;
    private int opened;

    @Override
    protected ProfileStore open() throws Exception {
        return ProfileStore.open(dir.resolve("store" + opened++), 2, 64);
    }
}
