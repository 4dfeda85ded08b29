package io.cnnlab.models;

import java.util.Collection;
import java.util.Locale;
import java.util.regex.Pattern;

/** The strict shapes of names that reach URLs, SQL parameters and file names. */
public final class ModelNames {

    public static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    public static final String ALIAS = "[a-z][a-z0-9-]{0,63}";
    private static final Pattern NAME_PATTERN = Pattern.compile(NAME);
    private static final Pattern ALIAS_PATTERN = Pattern.compile(ALIAS);

    private ModelNames() {
    }

    public static String checkName(String name) {
        if (name == null || !NAME_PATTERN.matcher(name).matches() || name.contains("..")) {
            throw new ModelNotFoundException("no model named '" + name + "'");
        }
        return name;
    }

    /** The form two names share when a case-insensitive file system would take them for one. */
    public static String folded(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /**
     * @param existing names already registered that fold to the same form as {@code name}
     * @throws ModelConflictException when one of them is spelled differently (a 409)
     */
    public static void checkNoCaseCollision(String name, Collection<String> existing) {
        for (String other : existing) {
            if (!other.equals(name) && folded(other).equals(folded(name))) {
                throw new ModelConflictException("model name '" + name + "' differs from the existing model '" + other
                        + "' only in case; names are compared ignoring case (they are directory names), use '"
                        + other + "' or another name");
            }
        }
    }

    public static String checkAlias(String alias) {
        if (alias == null || !ALIAS_PATTERN.matcher(alias).matches()) {
            throw new InvalidModelNameException("alias must match " + ALIAS);
        }
        return alias;
    }
}
