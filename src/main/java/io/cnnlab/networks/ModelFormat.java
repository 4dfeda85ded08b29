package io.cnnlab.networks;

import io.cnnlab.nativeruntime.NativeBackend;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Supplier;

/**
 * The one file format of networks: checkpoints, registered model versions and imports are all written and read here
 * (DL4J's zip of configuration, coefficients and updater state).
 *
 * <p>Reading never goes through DL4J's {@code ModelSerializer} restore methods: they deserialise the archive's
 * {@code preprocessor.bin} with Java serialisation, which a crafted entry turns into a CPU or memory bomb (or
 * worse). Here only the configuration (JSON, its class names restricted by {@link ConfigurationJson}), the
 * coefficients and the updater state are read, every size is bounded before anything is allocated, and the arrays
 * must be exactly as long as the configuration implies ({@link ArrayEntry}). Anything else is refused with an
 * {@link UnreadableModelException}.
 */
public final class ModelFormat {

    /** Bound on what a stored checkpoint or model file may unpack to; imports pass their configured limit. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;

    private ModelFormat() {
    }

    /** Writes weights, configuration and updater state. */
    public static void write(ComputationGraph net, OutputStream out) throws IOException {
        ModelSerializer.writeModel(net, out, true);
    }

    /** Reads what {@link #write} wrote; training continues where it stopped (updater state and step count). */
    public static ComputationGraph read(InputStream in) throws IOException {
        return read(in, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads a model zip whose entries together unpack to at most {@code maxBytes}. A {@code MultiLayerNetwork} zip
     * (what DL4J writes for a layer stack) is read too and converted to a graph, without its updater state (the
     * conversion keeps only the parameters); such a network serves but does not resume training exactly.
     *
     * @throws UnreadableModelException the archive is not one this format accepts; the message says why
     */
    public static ComputationGraph read(InputStream in, long maxBytes) throws IOException {
        NativeBackend.activate();
        return network(ModelArchive.read(in, maxBytes));
    }

    /** A network and the {@link ModelMetadata} its zip carries (null when it has no {@code metadata.json}). */
    public record WithMetadata(ComputationGraph network, ModelMetadata metadata) {
    }

    /**
     * {@link #read(InputStream, long)} that also reads {@code metadata.json}: a downloaded model brought back in.
     *
     * @throws UnreadableModelException the archive or its metadata is not one this format accepts
     */
    public static WithMetadata readWithMetadata(InputStream in, long maxBytes) throws IOException {
        NativeBackend.activate();
        ModelArchive archive = ModelArchive.read(in, maxBytes);
        // the metadata first: refusing it costs less than building the network
        ModelMetadata metadata = archive.metadata() == null ? null : ModelMetadata.parse(archive.metadata());
        return new WithMetadata(network(archive), metadata);
    }

    private static ComputationGraph network(ModelArchive archive) throws UnreadableModelException {
        return switch (ConfigurationJson.check(archive.configuration())) {
            case GRAPH -> graph(archive);
            case LAYERS -> layers(archive);
        };
    }

    private static ComputationGraph graph(ModelArchive archive) throws UnreadableModelException {
        ComputationGraphConfiguration conf = dl4j("is not a ComputationGraph configuration",
                () -> ComputationGraphConfiguration.fromJson(archive.configuration()));
        long numParams = 0;
        for (GraphVertex vertex : conf.getVertices().values()) {
            numParams = add(numParams, dl4j("cannot be sized", () -> vertex.numParams(true)));
        }
        INDArray params = params(archive, numParams, conf.getDataType());
        ComputationGraph net = new ComputationGraph(conf);
        dl4j("does not fit its coefficients", () -> {
            net.init(params, false);
            return net;
        });
        if (archive.updaterState() != null) {
            INDArray fresh = net.getUpdater().getStateViewArray();
            INDArray state = updaterState(archive, fresh);
            dl4j("does not fit its updater state", () -> {
                net.getUpdater().setStateViewArray(state);
                return net;
            });
        }
        return net;
    }

    private static ComputationGraph layers(ModelArchive archive) throws UnreadableModelException {
        MultiLayerConfiguration conf = dl4j("is not a MultiLayerNetwork configuration",
                () -> MultiLayerConfiguration.fromJson(archive.configuration()));
        long numParams = 0;
        for (NeuralNetConfiguration layer : conf.getConfs()) {
            numParams = add(numParams, dl4j("cannot be sized", () -> layer.getLayer().initializer().numParams(layer)));
        }
        INDArray params = params(archive, numParams, conf.getDataType());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        dl4j("does not fit its coefficients", () -> {
            net.init(params, false);
            return net;
        });
        if (archive.updaterState() != null) {
            Updater updater = net.getUpdater();
            updaterState(archive, updater.getStateViewArray()); // checked like a graph's, then dropped by the conversion
        }
        return dl4j("cannot be converted to a graph", net::toComputationGraph);
    }

    private static INDArray params(ModelArchive archive, long numParams, DataType type) throws UnreadableModelException {
        if (archive.coefficients().length == 0) {
            if (numParams > 0) {
                throw new UnreadableModelException("%s is empty but the configuration has %d parameters"
                        .formatted(ModelArchive.COEFFICIENTS, numParams));
            }
            return null;
        }
        return ArrayEntry.read(archive.coefficients(), ModelArchive.COEFFICIENTS, numParams, type);
    }

    private static INDArray updaterState(ModelArchive archive, INDArray fresh) throws UnreadableModelException {
        if (fresh == null || fresh.length() == 0) {
            throw new UnreadableModelException("the archive has %s but the configured updater keeps no state"
                    .formatted(ModelArchive.UPDATER_STATE));
        }
        return ArrayEntry.read(archive.updaterState(), ModelArchive.UPDATER_STATE, fresh.length(), fresh.dataType());
    }

    private static long add(long a, long b) throws UnreadableModelException {
        if (b < 0) {
            throw new UnreadableModelException(ModelArchive.CONFIGURATION + " implies a negative number of parameters");
        }
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new UnreadableModelException(ModelArchive.CONFIGURATION + " implies more parameters than can be stored");
        }
    }

    /** DL4J reports a configuration it cannot use with whatever runtime exception; each becomes a refusal. */
    private static <T> T dl4j(String failure, Supplier<T> step) throws UnreadableModelException {
        try {
            return step.get();
        } catch (RuntimeException e) {
            throw new UnreadableModelException("%s %s: %s".formatted(ModelArchive.CONFIGURATION, failure, e.getMessage()), e);
        }
    }
}
