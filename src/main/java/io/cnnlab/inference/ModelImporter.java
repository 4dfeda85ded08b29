package io.cnnlab.inference;

import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.networks.ModelFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.stereotype.Component;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Imports a DL4J model zip a user brings. The archive is inspected before DL4J reads it (entry names, count and
 * uncompressed size, so no path traversal and no zip bomb); then the network must take the service's input ({@link InputDescription}) and give as
 * many outputs as there are labels.
 */
@Component
public class ModelImporter {

    /** The upload is not a model this service can serve; the message says why. */
    public static class InvalidModelException extends RuntimeException {
        InvalidModelException(String message) {
            super(message);
        }
    }

    static final int MAX_ENTRIES = 64;

    private final ModelRegistry registry;
    private final InferenceProperties properties;

    ModelImporter(ModelRegistry registry, InferenceProperties properties) {
        this.registry = registry;
        this.properties = properties;
    }

    public ModelVersion importZip(String name, String architecture, List<String> labels, byte[] zip) {
        checkArchive(zip);
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
        return registry.register(name, architecture, "IMPORTED", null, null, null, net.numParams(), labels,
                new ByteArrayInputStream(serialized.toByteArray()));
    }

    private void checkArchive(byte[] zip) {
        Set<String> names = new HashSet<>();
        long total = 0;
        long limit = properties.maxModelUncompressedBytes().toBytes();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry entry;
            byte[] buffer = new byte[1 << 16];
            while ((entry = in.getNextEntry()) != null) {
                String entryName = entry.getName();
                if (entryName.contains("..") || entryName.startsWith("/") || entryName.contains("\\") || entryName.contains(":")) {
                    throw new InvalidModelException("the archive has an unsafe entry name: " + entryName);
                }
                if (names.size() >= MAX_ENTRIES) {
                    throw new InvalidModelException("the archive has more than %d entries".formatted(MAX_ENTRIES));
                }
                names.add(entryName);
                int n;
                while ((n = in.read(buffer)) > 0) {
                    total += n;
                    if (total > limit) {
                        throw new InvalidModelException("the archive unpacks to more than %d bytes (cnn.inference.max-model-uncompressed-bytes)"
                                .formatted(limit));
                    }
                }
            }
        } catch (IOException e) {
            throw new InvalidModelException("not a readable zip archive: " + e.getMessage());
        }
        if (!names.contains("configuration.json") || !names.contains("coefficients.bin")) {
            throw new InvalidModelException("not a DL4J model zip: configuration.json and coefficients.bin are required");
        }
    }

    private static ComputationGraph read(byte[] zip) {
        try (InputStream in = new ByteArrayInputStream(zip)) {
            return ModelFormat.read(in);
        } catch (Exception graphFailure) {
            try (InputStream in = new ByteArrayInputStream(zip)) {
                MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(in, false);
                return net.toComputationGraph();
            } catch (Exception e) {
                throw new InvalidModelException("DL4J cannot read the network: " + graphFailure.getMessage());
            }
        }
    }
}
