package io.cnnlab.storage;

import java.util.regex.Pattern;

/** The one shape of key both stores accept: it is a path under the root and an object name in a bucket alike. */
final class BlobKeys {

    /** Plain segments; none starts with a dot, so temporary files ({@code .name.tmp}) are never keys. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");

    private BlobKeys() {
    }

    static String check(String key) {
        if (key == null || key.length() > 512 || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("not a storage key: " + key);
        }
        return key;
    }

    static String checkPrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("a storage prefix is required");
        }
        if (!prefix.isEmpty()) {
            check(prefix.endsWith("/") ? prefix + "x" : prefix);
        }
        return prefix;
    }
}
