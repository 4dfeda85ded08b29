package io.cnnlab.onednn;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.nativeruntime.NativeBackend;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.stream;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oneDNN engine is the same arithmetic as DL4J's own path: two copies of a network, one trained by {@code fit},
 * one by the engine, on the same batches (two batch sizes, so two compiled passes), end with the same parameters,
 * updater state (batch normalisation's running statistics included), step count and scores, to float rounding.
 * Networks with a layer the engine does not run say why.
 */
class OneDnnTrainingTest {

    @BeforeAll
    static void backend() {
        NativeBackend.activate();
    }

    /**
     * One batch through the engine's compiled pass and through DL4J: the same loss, the same step of batch
     * normalisation's running statistics, and the same gradients up to float rounding. A ReLU gate near zero may fall
     * either way in float, so a batch-normalised network's gradients agree to a few parts in a thousand, some to 2 %: DL4J's
     * own two float paths (with and without its oneDNN helpers) differ from each other, and from DL4J in double, by
     * as much, in those same parameters (docs/performance.md). A convolution bias in front of batch normalisation
     * has a true gradient of zero; both sides compute rounding noise for it, which is not compared.
     */
    @ParameterizedTest
    @ValueSource(strings = {"baseline", "factorized", "multibranch", "batchnorm", "combined"})
    void computesTheGradientsDl4jDoes(String name) throws Exception {
        var architecture = Architectures.offered().get(name);
        ComputationGraph dl4j = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
        ComputationGraph own = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 3, 24, 24).subi(0.5).muli(3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 10);
        for (int n = 0; n < 16; n++) {
            y.putScalar(n, n % 10, 1);
        }
        dl4j.setInputs(x);
        dl4j.setLabels(y);
        dl4j.computeGradientAndScore();

        own.initGradientsView();
        Map<String, INDArray> parameters = new HashMap<>();
        Map<String, INDArray> gradients = new HashMap<>();
        for (var layer : own.getLayers()) {
            String layerName = layer.conf().getLayer().getLayerName();
            if (layer.numParams() > 0) {
                layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray())
                        .forEach((param, view) -> {
                            gradients.put(layerName + "_" + param, view);
                            parameters.put(layerName + "_" + param, own.getParam(layerName + "_" + param));
                        });
            }
        }
        var plan = NetworkPlan.of(own.getConfiguration(), InputDescription.SEED.inputType());
        try (engine cpu = new engine(engine.kind.cpu, 0); stream stream = new stream(cpu);
             CompiledPass pass = new CompiledPass(cpu, stream, plan, 16, parameters, gradients)) {
            pass.loadWeights();
            assertThat(pass.forwardBackward(x, y)).isCloseTo(dl4j.score(), withinRelative(1e-6));
        }
        List<String> normalised = plan.nodes().stream()
                .filter(n -> n instanceof NetworkPlan.Conv conv && !conv.relu() && normalisedDownstream(plan, n.name()))
                .map(n -> n.name() + "_b").toList();
        for (var entry : gradients.entrySet()) {
            INDArray expected = dl4j.gradient().getGradientFor(entry.getKey());
            if (normalised.contains(entry.getKey())) {
                continue;
            }
            double tolerance = entry.getKey().endsWith("_mean") || entry.getKey().endsWith("_log10stdev") ? 1e-5
                    : List.of("batchnorm", "combined").contains(name) ? 2.5e-2 : 1e-3;
            assertThat(maxRelativeDifference(entry.getValue(), expected)).as("gradient of %s", entry.getKey())
                    .isLessThan(tolerance);
        }
    }

    /** Whether every path from {@code name} to the loss meets a batch normalisation after only pooling or merging. */
    private static boolean normalisedDownstream(NetworkPlan plan, String name) {
        List<NetworkPlan.Node> readers = plan.nodes().stream().filter(n -> n.inputs().contains(name)).toList();
        return !readers.isEmpty() && readers.stream().allMatch(n -> n instanceof NetworkPlan.Norm
                || ((n instanceof NetworkPlan.Pool || n instanceof NetworkPlan.Concat) && normalisedDownstream(plan, n.name())));
    }

    /**
     * Whole steps with the recipe's Adam, which takes a full-sized first step even for a gradient that is rounding
     * noise: parameters agree exactly only in networks without batch normalisation; every network's losses agree
     * step by step (the deepest, {@code combined}, to 1 %: its few float-dependent ReLU gates, above).
     */
    @ParameterizedTest
    @ValueSource(strings = {"baseline", "factorized", "multibranch", "batchnorm", "combined"})
    void trainsWithTheRecipesAdamAsDl4jDoes(String name) {
        var architecture = Architectures.offered().get(name);
        ComputationGraph dl4j = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
        ComputationGraph own = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));

        trainSideBySide(dl4j, own, 6, name.equals("combined") ? 1e-2 : 1e-3);

        assertThat(Networks.steps(own)).isEqualTo(Networks.steps(dl4j)).isEqualTo(6);
        if (List.of("baseline", "factorized", "multibranch").contains(name)) {
            assertThat(maxRelativeDifference(own.params(), dl4j.params())).as("parameters").isLessThan(1e-4);
            assertThat(maxRelativeDifference(own.getUpdater().getStateViewArray(),
                    dl4j.getUpdater().getStateViewArray())).as("Adam's moments").isLessThan(1e-3);
        }
        assertThat(own.params()).as("the parameters moved")
                .isNotEqualTo(Networks.create(architecture, TrainingPlan.seedDefaults(architecture)).params());
    }

    /** Six steps on the same random batches (the fifth of another size: a second compiled pass). */
    private static void trainSideBySide(ComputationGraph dl4j, ComputationGraph own, int steps, double lossTolerance) {
        assertThat(own.params()).isEqualTo(dl4j.params());
        EngineChoice<OneDnnTraining> choice = OneDnnTraining.of(own, InputDescription.SEED.inputType());
        assertThat(choice.unsupportedBecause()).isNull();
        Random random = new Random(11);
        try (OneDnnTraining engine = choice.engine()) {
            for (int step = 0; step < steps; step++) {
                int batch = step == 4 ? 5 : 16;
                INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, 24, 24).subi(0.5).muli(3);
                INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
                for (int n = 0; n < batch; n++) {
                    y.putScalar(n, random.nextInt(10), 1);
                }
                dl4j.fit(new DataSet(x, y));
                double loss = engine.fit(x, y);
                assertThat(loss).as("loss at step %d", step).isCloseTo(dl4j.score(), withinRelative(lossTolerance));
            }
        }
    }

    @Test
    void aGraphWithSomethingItDoesNotRunStaysOnDl4jAndSaysWhy() {
        assertThat(OneDnnTraining.of(tiny(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2)
                .build()), InputType.convolutional(8, 8, 3)).unsupportedBecause())
                .isEqualTo("middle is not a non-overlapping max pooling that tiles 8x8");
        assertThat(OneDnnTraining.of(tiny(new ConvolutionLayer.Builder(3, 3).nOut(4).stride(2, 2).build()),
                InputType.convolutional(8, 8, 3)).unsupportedBecause())
                .isEqualTo("middle is not a biased \"same\" convolution with stride 1");
        assertThat(OneDnnTraining.of(tiny(new ActivationLayer(Activation.TANH)), InputType.convolutional(8, 8, 3))
                .engine()).isNull();
    }

    /** input, conv, the given layer, conv, global average pooling, softmax. */
    private static ComputationGraph tiny(Layer middle) {
        var conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).updater(new Adam(1e-3))
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("first", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("middle", middle, "first")
                .addLayer("last", new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.RELU).build(), "middle")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "last")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .build(), "pool")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static org.assertj.core.data.Percentage withinRelative(double fraction) {
        return org.assertj.core.data.Percentage.withPercentage(fraction * 100);
    }

    /** Largest difference relative to the largest magnitude in {@code expected}. */
    private static double maxRelativeDifference(INDArray actual, INDArray expected) {
        double scale = expected.amaxNumber().doubleValue();
        return actual.sub(expected).amaxNumber().doubleValue() / Math.max(scale, 1e-12);
    }
}
