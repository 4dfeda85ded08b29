package io.cnnlab.models;

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

    public static String checkAlias(String alias) {
        if (alias == null || !ALIAS_PATTERN.matcher(alias).matches()) {
            throw new InvalidModelNameException("alias must match " + ALIAS);
        }
        return alias;
    }
}
