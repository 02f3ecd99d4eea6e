package dev.pgofleet.store;

import java.io.IOException;
import java.util.List;

/**
 * Where the services other than the default one keep their stores: the one place that maps a
 * service name to its {@link ProfileStore}, so that another backend can take the place of
 * {@link DiskServiceStores}.
 */
public interface ServiceStores extends AutoCloseable {
    /** The services stored so far (valid names, any order); entries that are no service are logged and left alone. */
    List<String> existing() throws IOException;

    /** Whether other collectors create services here too (replicas on one bucket): then {@link #existing()} is asked again from time to time. */
    default boolean sharedWithOtherProcesses() {
        return false;
    }

    /** Opens the store of {@code service}, creating it durably when it does not exist yet. */
    ProfileStore open(String service) throws IOException;

    /** Lets the writes already queued finish and takes no more; called before the stores opened here are closed. */
    void finishWrites();

    /** Releases what the stores shared; called after every store opened here is closed. */
    @Override
    void close();
}
