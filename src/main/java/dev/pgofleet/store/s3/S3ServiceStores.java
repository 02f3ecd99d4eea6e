package dev.pgofleet.store.s3;

import dev.pgofleet.config.ServiceName;
import dev.pgofleet.config.StorageSettings;
import dev.pgofleet.store.ProfileStore;
import dev.pgofleet.store.ServiceStores;
import dev.pgofleet.store.StoreOpenException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The services' stores in the bucket: {@code PREFIX/services/NAME/}, each an {@link S3Store} (the
 * default service's store is {@code PREFIX} itself). A service exists once an object of it does,
 * so a service created by another replica is found by {@link #existing()}.
 */
public final class S3ServiceStores implements ServiceStores {
    private static final Logger log = LoggerFactory.getLogger(S3ServiceStores.class);

    private final StorageSettings settings;
    private final boolean replaces;
    private final int ioThreads, ioQueue;
    private final S3Objects root;

    public S3ServiceStores(StorageSettings settings, boolean replaces, int ioThreads, int ioQueue) throws IOException {
        this.settings = settings;
        this.replaces = replaces;
        this.ioThreads = ioThreads;
        this.ioQueue = ioQueue;
        try {
            this.root = new S3Objects(S3Clients.build(settings), settings.bucket(), settings.prefix());
        } catch (SdkException | IllegalArgumentException e) {
            throw new StoreOpenException(StorageSettings.STORAGE + "=" + settings.location() + ": cannot set up the S3 client: "
                    + S3Objects.why(e));
        }
    }

    @Override
    public List<String> existing() throws IOException {
        List<String> names = new ArrayList<>();
        for (String name : root.listPrefixes(ProfileStore.SERVICES + "/")) {
            if (ServiceName.isValid(name) && !name.equals(ServiceName.DEFAULT)) {
                names.add(name);
            } else {
                log.warn("ignored {}{}/{}/ in the bucket: not a service's prefix", settings.prefix(), ProfileStore.SERVICES, name);
            }
        }
        return names;
    }

    @Override
    public boolean sharedWithOtherProcesses() {
        return true;
    }

    @Override
    public ProfileStore open(String service) throws IOException {
        if (!ServiceName.isValid(service) || service.equals(ServiceName.DEFAULT)) {
            throw new IllegalArgumentException("not a service with a prefix of its own: " + service);
        }
        return S3Store.open(settings.forService(service), replaces, ioThreads, ioQueue);
    }

    @Override
    public void finishWrites() {
        // Each S3Store finishes its own writes when closed.
    }

    @Override
    public void close() {
        root.close();
    }
}
