package dev.pgofleet.pprof;

import dev.pgofleet.pprof.MergedProfile.Location;

/**
 * Merged locations by (address relative to their mapping, mapping id): an open-addressing table
 * of primitive keys. It only suggests a candidate, which the merger then compares with the source
 * location in full; the first location with a given address keeps its slot.
 */
final class AddressIndex {
    private long[] addresses = new long[1024];
    private long[] mappingIds = new long[1024];
    private Location[] locations = new Location[1024];
    private int size;

    Location find(long address, long mappingId) {
        int mask = locations.length - 1;
        for (int i = slot(address, mappingId, mask); locations[i] != null; i = (i + 1) & mask) {
            if (addresses[i] == address && mappingIds[i] == mappingId) {
                return locations[i];
            }
        }
        return null;
    }

    void putIfAbsent(long address, long mappingId, Location location) {
        if (2 * (size + 1) > locations.length) {
            grow();
        }
        int mask = locations.length - 1;
        int i = slot(address, mappingId, mask);
        for (; locations[i] != null; i = (i + 1) & mask) {
            if (addresses[i] == address && mappingIds[i] == mappingId) {
                return;
            }
        }
        addresses[i] = address;
        mappingIds[i] = mappingId;
        locations[i] = location;
        size++;
    }

    private static int slot(long address, long mappingId, int mask) {
        long h = (address ^ mappingId * 0x9E3779B97F4A7C15L) * 0xC2B2AE3D27D4EB4FL;
        return (int) (h ^ h >>> 32) & mask;
    }

    private void grow() {
        long[] oldAddresses = addresses, oldMappingIds = mappingIds;
        Location[] oldLocations = locations;
        int n = oldLocations.length * 2;
        addresses = new long[n];
        mappingIds = new long[n];
        locations = new Location[n];
        size = 0;
        for (int i = 0; i < oldLocations.length; i++) {
            if (oldLocations[i] != null) {
                putIfAbsent(oldAddresses[i], oldMappingIds[i], oldLocations[i]);
            }
        }
    }
}
