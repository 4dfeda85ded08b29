package io.cnnlab.networks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The entries of a DL4J model zip, read with every size bounded and nothing but the entries {@link ModelFormat}
 * understands accepted. DL4J's own reader also deserialises {@code preprocessor.bin} and {@code normalizer.bin}
 * (Java serialisation): an archive holding those, or anything else, is refused before any of its bytes are read.
 * A downloaded model's {@code metadata.json} ({@link ModelMetadata}) is the one entry beyond DL4J's.
 *
 * @param configuration the network configuration (JSON)
 * @param coefficients  the flattened parameters as {@code Nd4j.write} wrote them (empty when {@code noParams})
 * @param updaterState  the updater state likewise, or null when the archive has none
 * @param metadata      {@code metadata.json}'s bytes (at most {@link ModelMetadata#MAX_BYTES}), or null
 */
record ModelArchive(String configuration, byte[] coefficients, byte[] updaterState, byte[] metadata) {

    static final String CONFIGURATION = "configuration.json";
    static final String COEFFICIENTS = "coefficients.bin";
    static final String UPDATER_STATE = "updaterState.bin";
    static final String NO_PARAMS = "noParams.marker";
    static final Set<String> ENTRIES = Set.of(CONFIGURATION, COEFFICIENTS, UPDATER_STATE, NO_PARAMS, ModelMetadata.ENTRY);

    /** Far above the largest configuration of the offered architectures; the JSON is parsed in memory. */
    static final int MAX_CONFIGURATION_BYTES = 8 << 20;

    /** Largest single array entry a Java array can hold (with room for the JVM's header words). */
    private static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 16;

    /** Central directory of at most five entries plus a zip comment of at most 64 KiB. */
    private static final int MAX_TRAILER_BYTES = 70_000;

    static ModelArchive read(InputStream in, long maxBytes) throws UnreadableModelException {
        Map<String, byte[]> entries = new HashMap<>();
        long total = 0;
        try (Zip zip = new Zip(new BufferedInputStream(in, 1 << 16))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName();
                if (!ENTRIES.contains(name)) {
                    throw new UnreadableModelException(("the archive has an entry %s; only %s are accepted (preprocessors, "
                            + "normalizers and other serialised Java objects are never read)")
                            .formatted(printable(name), String.join(", ", ENTRIES.stream().sorted().toList())));
                }
                if (entries.containsKey(name)) {
                    throw new UnreadableModelException("the archive has two entries named " + name);
                }
                long cap = Math.min(maxBytes - total, switch (name) {
                    case CONFIGURATION -> MAX_CONFIGURATION_BYTES;
                    case ModelMetadata.ENTRY -> ModelMetadata.MAX_BYTES;
                    default -> MAX_ENTRY_BYTES;
                });
                byte[] bytes = readAtMost(zip, cap);
                if (bytes == null) {
                    throw new UnreadableModelException(cap == maxBytes - total
                            ? "the archive unpacks to more than %d bytes".formatted(maxBytes)
                            : "%s is larger than %d bytes".formatted(name, cap));
                }
                total += bytes.length;
                entries.put(name, bytes);
            }
            if (entries.isEmpty()) {
                throw new UnreadableModelException("not a zip archive, or one without entries");
            }
            zip.checkCentralDirectory(entries.size());
        } catch (UnreadableModelException e) {
            throw e;
        } catch (IOException e) {
            throw new UnreadableModelException("not a readable zip archive: " + e.getMessage(), e);
        }
        return of(entries);
    }

    private static ModelArchive of(Map<String, byte[]> entries) throws UnreadableModelException {
        if (!entries.containsKey(CONFIGURATION) || !entries.containsKey(COEFFICIENTS)) {
            throw new UnreadableModelException("not a DL4J model zip: %s and %s are required".formatted(CONFIGURATION, COEFFICIENTS));
        }
        byte[] marker = entries.get(NO_PARAMS);
        if (marker != null && (marker.length > 0 || entries.get(COEFFICIENTS).length > 0)) {
            throw new UnreadableModelException("%s must be empty and comes only with an empty %s".formatted(NO_PARAMS, COEFFICIENTS));
        }
        return new ModelArchive(new String(entries.get(CONFIGURATION), StandardCharsets.UTF_8), entries.get(COEFFICIENTS),
                entries.get(UPDATER_STATE), entries.get(ModelMetadata.ENTRY));
    }

    /** The entry's bytes, or null when it holds more than {@code cap}: reading stops there, whatever it declares. */
    private static byte[] readAtMost(InputStream in, long cap) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > cap) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static String printable(String name) {
        String shown = name.length() > 80 ? name.substring(0, 80) + "..." : name;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    /**
     * ZipInputStream ends quietly at the end of its input, so an archive cut off between two entries would read as
     * complete (a checkpoint without its updater state): what follows the entries must be a central directory that
     * lists exactly the entries read.
     */
    private static final class Zip extends ZipInputStream {

        private static final int END_SIGNATURE = 0x06054b50;
        private static final int END_LENGTH = 22;

        Zip(InputStream in) {
            super(in);
        }

        void checkCentralDirectory(int entries) throws IOException {
            // getNextEntry consumed the first 30 bytes of the central directory; the rest is still unread
            byte[] rest = in.readNBytes(MAX_TRAILER_BYTES + 1);
            if (rest.length > MAX_TRAILER_BYTES) {
                throw new UnreadableModelException("the archive has unexpected data after its entries");
            }
            for (int at = rest.length - END_LENGTH; at >= 0; at--) {
                if (int32(rest, at) == END_SIGNATURE && at + END_LENGTH + int16(rest, at + 20) == rest.length) {
                    if (int16(rest, at + 10) != entries) {
                        throw new UnreadableModelException("the archive lists %d entries but holds %d"
                                .formatted(int16(rest, at + 10), entries));
                    }
                    return;
                }
            }
            throw new UnreadableModelException("the archive is truncated: it has no central directory after its entries");
        }

        private static int int16(byte[] b, int at) {
            return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
        }

        private static int int32(byte[] b, int at) {
            return int16(b, at) | int16(b, at + 2) << 16;
        }
    }
}
