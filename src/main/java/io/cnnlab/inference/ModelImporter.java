package io.cnnlab.inference;

import io.cnnlab.datasets.Cifar10;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.networks.ModelFormat;
import io.cnnlab.networks.ModelMetadata;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.stereotype.Component;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Imports a DL4J model zip a user brings, ComputationGraph or MultiLayerNetwork (converted to a graph). It is read by
 * {@link ModelFormat}, which accepts only the configuration, coefficients and updater state (and a download's
 * {@code metadata.json}), bounds every size ({@code cnn.inference.max-model-uncompressed-bytes}) and never
 * deserialises Java objects; then the network must take the service's input ({@link InputDescription}) and give as
 * many outputs as there are labels. A zip the service let a user download ({@link ModelExporter}) brings its labels
 * and architecture in {@code metadata.json}; what it says must hold here (labels, input, preprocessing), or the import
 * is refused.
 */
@Component
public class ModelImporter {

    /** The upload is not a model this service can serve; the message says why. */
    public static class InvalidModelException extends RuntimeException {
        InvalidModelException(String message) {
            super(message);
        }
    }

    private final ModelRegistry registry;
    private final InferenceProperties properties;

    ModelImporter(ModelRegistry registry, InferenceProperties properties) {
        this.registry = registry;
        this.properties = properties;
    }

    /**
     * @param architecture the form's, or null: then the one {@code metadata.json} names, else {@code imported}
     * @param labels       the form's, or null: then the ones {@code metadata.json} lists, else the CIFAR-10 classes
     */
    public ModelVersion importZip(String name, String architecture, List<String> labels, byte[] zip) {
        ModelFormat.WithMetadata read = read(zip);
        ModelMetadata metadata = read.metadata();
        ComputationGraph net = read.network();
        List<String> chosen = labels(labels, metadata);
        if (metadata != null) {
            checkServedAsDescribed(metadata);
        }
        INDArray out;
        try {
            out = net.outputSingle(false, Nd4j.zeros(DataType.FLOAT, InputDescription.SEED.batchShape(1)));
        } catch (RuntimeException e) {
            throw new InvalidModelException("the network does not take a %s (NCHW) image: ".formatted(InputDescription.SEED) + e.getMessage());
        }
        long outputs = out.length();
        if (outputs != chosen.size()) {
            throw new InvalidModelException("the network has %d outputs but %d labels were given%s".formatted(outputs,
                    chosen.size(), labels == null && metadata != null && metadata.labels() != null ? " (by " + ModelMetadata.ENTRY + ")" : ""));
        }
        String architectureName = architecture != null ? architecture
                : metadata != null && metadata.architecture() != null ? metadata.architecture() : "imported";
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        try {
            ModelFormat.write(net, serialized);
        } catch (IOException e) {
            throw new InvalidModelException("the network cannot be stored: " + e.getMessage());
        }
        // the stored file is the service's rewrite of the upload; the upload's own digest is what the user can check
        return registry.register(name, architectureName, "IMPORTED", null, null, null, net.numParams(), chosen,
                sha256(zip), new ByteArrayInputStream(serialized.toByteArray()));
    }

    private static List<String> labels(List<String> given, ModelMetadata metadata) {
        List<String> described = metadata == null ? null : metadata.labels();
        if (given != null && described != null && !given.equals(described)) {
            throw new InvalidModelException("the labels given differ from the %d in %s; give none to take those, or the same"
                    .formatted(described.size(), ModelMetadata.ENTRY));
        }
        return given != null ? given : described != null ? described : Cifar10.CLASSES;
    }

    /** A network prepared for another input, or images prepared otherwise, would classify here without complaint, and wrongly. */
    private static void checkServedAsDescribed(ModelMetadata metadata) {
        if (metadata.input() != null && !metadata.input().equals(InputDescription.SEED)) {
            throw new InvalidModelException("%s describes the input %s; this service serves %s".formatted(
                    ModelMetadata.ENTRY, metadata.input(), InputDescription.SEED));
        }
        if (metadata.preprocessing() != null
                && !metadata.preprocessing().equals(ModelExporter.preprocessing(InputDescription.SEED))) {
            throw new InvalidModelException("%s describes a preprocessing this service does not apply (it applies %s)"
                    .formatted(ModelMetadata.ENTRY, ModelExporter.preprocessing(InputDescription.SEED)));
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** One reader for uploads, checkpoints and stored versions; it refuses everything it does not know. */
    private ModelFormat.WithMetadata read(byte[] zip) {
        try {
            return ModelFormat.readWithMetadata(new ByteArrayInputStream(zip), properties.maxModelUncompressedBytes().toBytes());
        } catch (IOException e) {
            throw new InvalidModelException(e.getMessage());
        }
    }
}
