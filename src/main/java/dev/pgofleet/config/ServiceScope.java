package dev.pgofleet.config;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/** The services a key may use: every service (a key alone on its line) or the ones its line names. */
public final class ServiceScope {
    public static final ServiceScope ALL = new ServiceScope(null);

    /** Null for every service. */
    private final Set<String> services;

    private ServiceScope(Set<String> services) {
        this.services = services;
    }

    /** A scope of exactly {@code names} (valid service names). */
    public static ServiceScope of(Collection<String> names) {
        return new ServiceScope(Set.copyOf(new TreeSet<>(names)));
    }

    public boolean allows(String service) {
        return services == null || services.contains(service);
    }

    public boolean isAll() {
        return services == null;
    }

    /** The services named, sorted; empty for {@link #ALL}. */
    public Set<String> services() {
        return services == null ? Set.of() : new TreeSet<>(services);
    }

    @Override
    public String toString() {
        return services == null ? "every service" : String.join(" ", new TreeSet<>(services));
    }
}
