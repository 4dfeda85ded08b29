package io.cnnlab.inference;

import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.networks.ModelFormat;
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
 * {@link ModelFormat}, which accepts only the configuration, coefficients and updater state, bounds every size
 * ({@code cnn.inference.max-model-uncompressed-bytes}) and never deserialises Java objects; then the network must take
 * the service's input ({@link InputDescription}) and give as many outputs as there are labels.
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

    public ModelVersion importZip(String name, String architecture, List<String> labels, byte[] zip) {
        ComputationGraph net = read(zip);
        INDArray out;
        try {
            out = net.outputSingle(false, Nd4j.zeros(DataType.FLOAT, InputDescription.SEED.batchShape(1)));
        } catch (RuntimeException e) {
            throw new InvalidModelException("the network does not take a %s (NCHW) image: ".formatted(InputDescription.SEED) + e.getMessage());
        }
        long outputs = out.length();
        if (outputs != labels.size()) {
            throw new InvalidModelException("the network has %d outputs but %d labels were given".formatted(outputs, labels.size()));
        }
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        try {
            ModelFormat.write(net, serialized);
        } catch (IOException e) {
            throw new InvalidModelException("the network cannot be stored: " + e.getMessage());
        }
        // the stored file is the service's rewrite of the upload; the upload's own digest is what the user can check
        return registry.register(name, architecture, "IMPORTED", null, null, null, net.numParams(), labels,
                sha256(zip), new ByteArrayInputStream(serialized.toByteArray()));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** One reader for uploads, checkpoints and stored versions; it refuses everything it does not know. */
    private ComputationGraph read(byte[] zip) {
        try {
            return ModelFormat.read(new ByteArrayInputStream(zip), properties.maxModelUncompressedBytes().toBytes());
        } catch (IOException e) {
            throw new InvalidModelException(e.getMessage());
        }
    }
}
