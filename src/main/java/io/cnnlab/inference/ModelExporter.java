package io.cnnlab.inference;

import io.cnnlab.checkpoints.CorruptCheckpointException;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.networks.ModelExport;
import io.cnnlab.networks.ModelMetadata;
import io.cnnlab.storage.CorruptBlobException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model version as the zip a user downloads ({@link ModelExport}): the network and {@code metadata.json} with its
 * labels, input, preprocessing and lineage, which {@link ModelImporter} reads back. What was measured is kept by the
 * stored file's and the metadata's digests, so a conditional GET costs no read of the file and a download one.
 */
@Component
public class ModelExporter {

    /** Versions whose download was measured; an entry is a few hundred bytes plus the metadata. */
    private static final int MEASURED = 256;

    /** Metadata kept in the cache at most (a few thousand labels): with {@link #MEASURED}, 16 MiB in all. */
    private static final int MAX_CACHED_METADATA = 64 << 10;

    private final ModelRegistry registry;
    private final Map<String, ModelExport> measured = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ModelExport> eldest) {
            return size() > MEASURED;
        }
    };

    ModelExporter(ModelRegistry registry) {
        this.registry = registry;
    }

    /** The download of {@code version}, measured: its sha256 (the ETag) and length are known. */
    public ModelExport export(ModelVersion version) {
        byte[] metadata = metadata(version).toJson();
        String key = version.name() + "/" + version.version() + "/" + version.sha256() + "/" + sha256(metadata);
        synchronized (measured) {
            ModelExport known = measured.get(key);
            if (known != null) {
                return known;
            }
        }
        ModelExport export;
        try {
            export = ModelExport.measure(() -> open(version), metadata);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + version.name() + " v" + version.version() + ": " + e.getMessage(), e);
        }
        if (metadata.length <= MAX_CACHED_METADATA) {
            synchronized (measured) {
                measured.put(key, export);
            }
        }
        return export;
    }

    /** Streams the download {@link #export} measured; {@code out} stays open. */
    public void write(ModelVersion version, ModelExport export, OutputStream out) throws IOException {
        export.writeTo(() -> open(version), out);
    }

    private InputStream open(ModelVersion version) {
        try {
            return registry.open(version);
        } catch (CorruptBlobException e) {
            throw new CorruptCheckpointException("model %s v%d: %s; refusing to serve it"
                    .formatted(version.name(), version.version(), e.getMessage()));
        }
    }

    static ModelMetadata metadata(ModelVersion version) {
        return new ModelMetadata(version.name(), version.version(), version.architecture(), version.labels(),
                InputDescription.SEED, preprocessing(InputDescription.SEED),
                new ModelMetadata.Lineage(version.source(), version.jobId(), version.checkpointStep(),
                        version.testAccuracy(), version.dataset(), initFrom(version)));
    }

    /**
     * What classification does to an image before the network sees it ({@code ImageDecoder}, then
     * {@code Preprocessing.centre}), for whoever serves the network elsewhere; an import refuses another.
     */
    static ObjectNode preprocessing(InputDescription input) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode description = nodes.objectNode();
        description.putObject("decode")
                .put("exifOrientation", "applied")
                .put("transparency", "laid on white")
                .put("resize", "the whole image averaged down to %dx%d, cell by cell (nothing cropped)"
                        .formatted(input.side(), input.side()))
                .put("layout", "channel planes R, G, B (NCHW), values 0-255");
        description.putObject("crop").put("position", "centre").put("side", input.crop());
        description.putObject("standardisation")
                .put("scope", "per image, over all %d values".formatted(input.floatsPerImage()))
                .put("formula", "(x - mean) / max(stddev, 1/sqrt(n))")
                .put("sameAs", "tf.image.per_image_standardization");
        return description;
    }

    private static ModelMetadata.InitFrom initFrom(ModelVersion version) {
        return version.initFrom() == null ? null
                : new ModelMetadata.InitFrom(version.initFrom().model(), version.initFrom().version());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
