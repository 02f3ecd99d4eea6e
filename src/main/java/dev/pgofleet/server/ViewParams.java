package dev.pgofleet.server;

import dev.pgofleet.pprof.ExcludedFunctions;
import dev.pgofleet.pprof.ProfileForm;
import java.util.List;

/**
 * The parameters the merge's views (summary, flame graph) share with a merge: {@code service}
 * (only the default service exists), {@code since}, and the form as a merge reads it
 * ({@link MergeHandler#form}: {@code form}, {@code strip_labels}, {@code exclude} and the
 * collector's excludes), so that a view describes the very file a merge of the same parameters
 * serves. A bad value is a 400 whose message names the parameter and the value.
 */
record ViewParams(String service, Long sinceMillis, ProfileForm profileForm) {
    static ViewParams of(RoutedRequest req, ExcludedFunctions collectorExcludes) {
        return new ViewParams(req.service(), MergeHandler.since(req), MergeHandler.form(req, collectorExcludes));
    }

    /** The form's name as the views report it. */
    String form() {
        return profileForm.lean() ? "lean" : "full";
    }

    static String param(RoutedRequest req, String name, String otherwise) {
        List<String> v = req.query().parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isBlank() ? otherwise : v.get(0).trim();
    }

    /** An integer parameter within [min, max]. */
    static int intParam(RoutedRequest req, String name, int otherwise, int min, int max) {
        String s = param(req, name, null);
        if (s == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(s);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("invalid " + name + "=" + s + ": expected a whole number from " + min + " to " + max);
    }

    /** A number parameter within [min, max]. */
    static double shareParam(RoutedRequest req, String name, double otherwise) {
        String s = param(req, name, null);
        if (s == null) {
            return otherwise;
        }
        try {
            double d = Double.parseDouble(s);
            if (d >= 0 && d <= 1) {
                return d;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalArgumentException("invalid " + name + "=" + s + ": expected a share from 0 to 1, such as 0.001");
    }
}
