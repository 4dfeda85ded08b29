package io.cnnlab.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Checks a presented key against the configured digests; the key itself is hashed at once and never kept. */
final class ApiKeys {

    private record Entry(byte[] digest, SecurityProperties.Key key) {
    }

    private final List<Entry> entries;

    ApiKeys(List<SecurityProperties.Key> keys) {
        this.entries = keys.stream()
                .map(k -> new Entry(HexFormat.of().parseHex(k.sha256().toLowerCase(Locale.ROOT)), k)).toList();
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The key whose digest matches; every entry is compared in constant time, so timing tells nothing. */
    Optional<SecurityProperties.Key> find(String presented) {
        byte[] digest = sha256(presented);
        SecurityProperties.Key match = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.digest(), digest)) {
                match = entry.key();
            }
        }
        return Optional.ofNullable(match);
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
