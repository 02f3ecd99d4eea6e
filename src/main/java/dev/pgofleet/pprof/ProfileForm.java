package dev.pgofleet.pprof;

/**
 * Which form of a merge to serve or write: the full merge (the default), label-free
 * ({@code strip_labels}), or lean ({@link LeanProfile}, which has no labels either), each with the
 * functions matching {@code exclude} renamed ({@link ExcludedFunctions}). Stored data is always
 * the full merge; a form is applied to it on the way out.
 */
public record ProfileForm(boolean lean, boolean stripLabels, ExcludedFunctions exclude) {
    public static final ProfileForm FULL = new ProfileForm(false, false, ExcludedFunctions.NONE);

    public ProfileForm {
        if (exclude == null) {
            throw new IllegalArgumentException("exclude must not be null (use ExcludedFunctions.NONE)");
        }
    }

    /** Whether {@link #apply} returns the merge as it is. */
    public boolean isFull() {
        return !lean && !stripLabels && exclude.isEmpty();
    }

    public MergedProfile apply(MergedProfile merged) throws InvalidProfileException {
        MergedProfile p = exclude.apply(merged);
        if (lean) {
            return LeanProfile.of(p);
        }
        return stripLabels ? p.withoutLabels() : p;
    }
}
