package io.cnnlab.networks;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelFormatTest {

    private static final ComputationGraph BASELINE = trained(Architectures.offered().get("baseline"));
    private static final byte[] BASELINE_ZIP = ModelZips.write(BASELINE);

    @BeforeEach
    void resetTripwire() {
        Tripwire.DESERIALISED.set(false);
    }

    @Test
    void everyOfferedArchitectureReadsBackWithIdenticalParametersAndUpdaterState() throws IOException {
        for (Architecture architecture : Architectures.offered().all()) {
            ComputationGraph net = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
            net.getConfiguration().setIterationCount(1);
            INDArray state = net.getUpdater().getStateViewArray();
            state.assign(Nd4j.rand(DataType.FLOAT, state.shape())); // as if trained: a fresh Adam's moments are all zero

            ComputationGraph restored = read(ModelZips.write(net));

            assertThat(restored.getConfiguration().toJson()).as(architecture.name()).isEqualTo(net.getConfiguration().toJson());
            assertThat(Networks.steps(restored)).as(architecture.name()).isEqualTo(1);
            assertThat(restored.params().toFloatVector()).as(architecture.name()).isEqualTo(net.params().toFloatVector());
            assertThat(restored.getUpdater().getStateViewArray().toFloatVector()).as(architecture.name())
                    .isEqualTo(state.toFloatVector());
        }
    }

    @Test
    void aPreprocessorEntryIsRefusedWithoutBeingDeserialised() {
        byte[] hostile = ModelZips.with(BASELINE_ZIP, "preprocessor.bin", Tripwire.serialised());

        assertRefused(hostile, "preprocessor.bin");
        assertThat(Tripwire.DESERIALISED).isFalse();
    }

    /** The hole this format closes, and proof the tripwire can fire: DL4J's own restore deserialises the entry. */
    @Test
    void dl4jsOwnRestoreDeserialisesThePreprocessorEntry() {
        byte[] hostile = ModelZips.with(BASELINE_ZIP, "preprocessor.bin", Tripwire.serialised());
        try {
            ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(hostile), true);
        } catch (Exception | Error expected) {
            // the tripwire is no preprocessor: DL4J fails the cast, after deserialising it
        }
        assertThat(Tripwire.DESERIALISED).isTrue();
    }

    @Test
    void normalizersAndUnknownEntriesAreRefused() throws IOException {
        ByteArrayOutputStream set = new ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(set)) {
            out.writeObject(new HashSet<>(List.of("a", "b")));
        }
        assertRefused(ModelZips.with(BASELINE_ZIP, "normalizer.bin", set.toByteArray()), "normalizer.bin");
        assertRefused(ModelZips.with(BASELINE_ZIP, "notes.txt", "hello".getBytes(StandardCharsets.UTF_8)), "notes.txt");
        assertRefused(ModelZips.with(BASELINE_ZIP, "../../evil.txt", new byte[10]), "../../evil.txt");
        assertRefused(ModelZips.with(BASELINE_ZIP, "coefficients.bin/", new byte[0]), "coefficients.bin/");
    }

    @Test
    void configurationsNamingClassesOutsideDl4jAreRefused() {
        assertRefused(withConfiguration(json -> json.replace("org.nd4j.linalg.activations.impl.ActivationReLU", Tripwire.class.getName())),
                Tripwire.class.getName());
        assertRefused(withConfiguration(json -> json.replaceFirst("\"@class\"\\s*:\\s*\"org\\.deeplearning4j\\.nn\\.conf\\.graph\\.LayerVertex\"",
                "\"@class\" : \"java.util.HashSet\"")), "java.util.HashSet");
        // a duplicate key could show the scan one class and the binder another
        assertRefused(withConfiguration(json -> json.replaceFirst("(\"@class\"\\s*:\\s*\"org\\.deeplearning4j\\.nn\\.conf\\.graph\\.LayerVertex\")",
                "\"@class\" : \"org.deeplearning4j.nn.conf.graph.MergeVertex\", $1")), "Duplicate field '@class'");
        assertRefused(withConfiguration(json -> json.replaceFirst("(\"@class\"\\s*:\\s*)\"(org\\.deeplearning4j\\.nn\\.conf\\.graph\\.LayerVertex)\"",
                "$1[\"$2\"]")), "must be a class name");
    }

    @Test
    void configurationsThatAreNotDl4jNetworksAreRefused() {
        assertRefused(withConfiguration(json -> "{\"vertices\":" + "[".repeat(100) + "]".repeat(100) + "}"), "nests deeper than 64");
        assertRefused(withConfiguration(json -> "{}"), "neither a ComputationGraph configuration");
        assertRefused(withConfiguration(json -> json + "{}"), "content after its object");
        assertRefused(withConfiguration(json -> json.substring(0, json.length() / 2)), "configuration.json");
    }

    @Test
    void coefficientsOrUpdaterStateOfAnotherLengthAreRefused() {
        Map<String, byte[]> other = ModelZips.entries(ModelZips.write(Networks.create(Architectures.offered().get("factorized"),
                TrainingPlan.seedDefaults(Architectures.offered().get("factorized")))));

        assertRefused(ModelZips.with(BASELINE_ZIP, "coefficients.bin", other.get("coefficients.bin")),
                "coefficients.bin is not the vector of 123338 FLOAT values the configuration implies (493465 bytes); it has 247961 bytes");
        assertRefused(ModelZips.with(BASELINE_ZIP, "updaterState.bin", other.get("updaterState.bin")),
                "updaterState.bin is not the vector of 246676 FLOAT values");
        byte[] coefficients = ModelZips.entries(BASELINE_ZIP).get("coefficients.bin");
        assertRefused(ModelZips.with(BASELINE_ZIP, "coefficients.bin", Arrays.copyOf(coefficients, coefficients.length - 4)),
                "it has 493461 bytes");
        assertRefused(ModelZips.with(BASELINE_ZIP, "coefficients.bin", new byte[0]), "coefficients.bin is empty");
    }

    /** ND4J's reader allocates what the header declares; a lying header must not reach it. */
    @Test
    void aHeaderDeclaringAnotherLengthIsRefusedBeforeNd4jAllocates() throws IOException {
        byte[] coefficients = ModelZips.entries(BASELINE_ZIP).get("coefficients.bin");
        // layout: allocation mode (18 bytes), shape-info length (8), "LONG" (6), 6 shape-info longs (48), then the data header
        assertThat(new DataInputStream(new ByteArrayInputStream(coefficients, 18, 8)).readLong()).isEqualTo(6);
        assertThat(new DataInputStream(new ByteArrayInputStream(coefficients, 98, 8)).readLong()).isEqualTo(123_338);

        byte[] hugeShapeInfo = coefficients.clone();
        ByteBuffer.wrap(hugeShapeInfo).putLong(18, 1L << 40);
        byte[] hugeData = coefficients.clone();
        ByteBuffer.wrap(hugeData).putLong(98, 1L << 40);
        byte[] otherShape = coefficients.clone();
        ByteBuffer.wrap(otherShape).putLong(32 + 8, 1L << 40); // the shape's only dimension

        for (byte[] lying : List.of(hugeShapeInfo, hugeData, otherShape)) {
            assertRefused(ModelZips.with(BASELINE_ZIP, "coefficients.bin", lying), "coefficients.bin is not the vector of 123338 FLOAT values");
        }
    }

    @Test
    void truncatedArchivesAreRefused() {
        assertRefused(Arrays.copyOf(BASELINE_ZIP, BASELINE_ZIP.length / 2), "not a readable zip archive");
        // cut exactly where the central directory starts: every entry is complete, the updater state's included
        int end = lastIndexOf(BASELINE_ZIP, new byte[] {'P', 'K', 5, 6});
        int centralDirectory = ByteBuffer.wrap(BASELINE_ZIP, end + 16, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(end + 16);
        assertThat(ModelZips.entries(Arrays.copyOf(BASELINE_ZIP, centralDirectory))).as("complete entries")
                .containsOnlyKeys("configuration.json", "coefficients.bin", "updaterState.bin");
        assertRefused(Arrays.copyOf(BASELINE_ZIP, centralDirectory), "the archive is truncated");
        assertRefused(Arrays.copyOf(BASELINE_ZIP, BASELINE_ZIP.length - 5), "the archive is truncated");
        assertRefused("not a zip at all".getBytes(StandardCharsets.UTF_8), "not a zip archive");
    }

    @Test
    void theUncompressedSizeIsBoundedWhileReading() {
        assertThatThrownBy(() -> ModelFormat.read(new ByteArrayInputStream(BASELINE_ZIP), 100_000))
                .isInstanceOf(UnreadableModelException.class).hasMessage("the archive unpacks to more than 100000 bytes");
        byte[] zeros = ModelZips.zip(Map.of("configuration.json", new byte[ModelArchive.MAX_CONFIGURATION_BYTES + 1]));
        assertRefused(zeros, "configuration.json is larger than 8388608 bytes");
    }

    @Test
    void aMultiLayerNetworkZipReadsAsAGraphWithTheSameParametersAndOutputs() throws IOException {
        MultiLayerNetwork layers = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-3))
                .dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputDescription.SEED.inputType()).build());
        layers.init();
        layers.fit(batch());
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(layers, zip, true);
        assertThat(ModelZips.entries(zip.toByteArray()).keySet()).contains("updaterState.bin");

        ComputationGraph graph = read(zip.toByteArray());

        assertThat(graph.numParams()).isEqualTo(layers.numParams()).isEqualTo(3 * 3 * 3 * 4 + 4 + 4 * 10 + 10);
        assertThat(graph.params().toFloatVector()).isEqualTo(layers.params().toFloatVector());
        INDArray image = Nd4j.rand(DataType.FLOAT, InputDescription.SEED.batchShape(1));
        assertThat(graph.outputSingle(image).toFloatVector()).isEqualTo(layers.output(image).toFloatVector());
    }

    @Test
    void aSerialisedTripwireFiresWhenDeserialised() throws Exception {
        // the tripwire itself works, so its silence above means something
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Tripwire.serialised()))) {
            in.readObject();
        }
        assertThat(Tripwire.DESERIALISED).isTrue();
    }

    private static ComputationGraph trained(Architecture architecture) {
        ComputationGraph net = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
        net.fit(batch());
        return net;
    }

    private static DataSet batch() {
        Nd4j.getRandom().setSeed(3);
        INDArray features = Nd4j.rand(DataType.FLOAT, InputDescription.SEED.batchShape(2));
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 2, 10);
        labels.putScalar(0, 3, 1);
        labels.putScalar(1, 8, 1);
        return new DataSet(features, labels);
    }

    private static ComputationGraph read(byte[] zip) throws IOException {
        return ModelFormat.read(new ByteArrayInputStream(zip));
    }

    private static byte[] withConfiguration(java.util.function.UnaryOperator<String> change) {
        String json = new String(ModelZips.entries(BASELINE_ZIP).get("configuration.json"), StandardCharsets.UTF_8);
        String changed = change.apply(json);
        assertThat(changed).as("the change applies").isNotEqualTo(json);
        return ModelZips.with(BASELINE_ZIP, "configuration.json", changed.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRefused(byte[] zip, String reason) {
        assertThatThrownBy(() -> read(zip)).isInstanceOf(UnreadableModelException.class).hasMessageContaining(reason);
    }

    private static int lastIndexOf(byte[] bytes, byte[] pattern) {
        for (int at = bytes.length - pattern.length; at >= 0; at--) {
            if (Arrays.equals(bytes, at, at + pattern.length, pattern, 0, pattern.length)) {
                return at;
            }
        }
        return -1;
    }
}
