package dev.pgofleet.cli;

import dev.pgofleet.config.ServiceName;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --service NAME}: the service whose profiles a client command sends or fetches. Without it
 * a request names no service, so the collector uses its default service, as for today's clients.
 */
final class ServiceOption {
    @Option(names = "--service", paramLabel = "NAME", converter = NameConverter.class,
            description = "The service to use: adds service=NAME (1-64 of a-z 0-9 . _ -) to the query; "
                    + "default: none, the collector's default service.")
    String service;

    /** {@code pathAndQuery} for this service. */
    String apply(String pathAndQuery) {
        return withService(pathAndQuery, service);
    }

    /** {@code pathAndQuery} with {@code service=NAME} added to its query; unchanged for a null service. */
    static String withService(String pathAndQuery, String service) {
        if (service == null) {
            return pathAndQuery;
        }
        // A valid name is a-z 0-9 . _ - only: nothing to percent-encode.
        return pathAndQuery + (pathAndQuery.indexOf('?') < 0 ? "?" : "&") + "service=" + service;
    }

    /** A valid service name, checked before any request. */
    static final class NameConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String problem = ServiceName.problem(value);
            if (problem != null) {
                throw new TypeConversionException("'" + value + "' is not a service name: " + problem);
            }
            return value;
        }
    }
}
