package io.cnnlab.architectures;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import io.cnnlab.datasets.Augmentation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ArchitecturesTest {

    @ParameterizedTest
    @CsvSource({"baseline, 1e-4, 1, 1000", "factorized, 1e-4, 1, 1000", "multibranch, 1e-4, 1, 1000",
            "batchnorm, 0.04, 0.9, 1000", "combined, 3e-3, 0.6, 800", "combined-no-bn, 3e-3, 0.6, 800",
            "combined-no-factorisation, 3e-3, 0.6, 800", "combined-single-branch, 3e-3, 0.6, 800"})
    void eachNetworksRecipeIsTheSeedsWithTheLearningRateItNames(String name, double initial, double decayRate, int decaySteps) {
        Recipe recipe = Architectures.offered().get(name).recipe();

        assertThat(recipe.learningRate()).isEqualTo(new LearningRate(initial, decayRate, decaySteps));
        assertThat(recipe).isEqualTo(new Recipe(10, 128, recipe.learningRate(), 42, new Augmentation(true, true, 63, 0.2, 1.8),
                0.1, 0.1, 10));
        assertThat(recipe.networkSettings()).isEqualTo(new NetworkSettings(42, recipe.networkSettings().updater(), 0.1, 0.1));
    }

    private final Architectures architectures = Architectures.seed();

    /** Every network on offer for the fewest and the most classes a data set may have: built, run, one output each. */
    @ParameterizedTest
    @CsvSource({"baseline, 2", "baseline, 1000", "factorized, 2", "factorized, 1000", "multibranch, 2",
            "multibranch, 1000", "batchnorm, 2", "batchnorm, 1000", "combined, 2", "combined, 1000",
            "combined-no-bn, 2", "combined-no-bn, 1000", "combined-no-factorisation, 2",
            "combined-no-factorisation, 1000", "combined-single-branch, 2", "combined-single-branch, 1000"})
    void everyNetworkBuildsAndRunsForTwoToAThousandClasses(String name, int classes) {
        Architecture architecture = Architectures.offered().get(name);
        ComputationGraph net = new ComputationGraph(
                architecture.configuration(architecture.recipe().networkSettings().withClasses(classes)));
        net.init();

        INDArray out = net.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 3, 24, 24));

        assertThat(out.shape()).containsExactly(2, classes);
        assertThat(out.sum(1).toDoubleVector()).containsExactly(new double[]{1, 1}, within(1e-4));
        assertThat(net.getLayer(architecture.classifierLayer())).as("the classifier layer is named").isNotNull();
        assertThat(net.numParams()).isEqualTo(architecture.cost(classes).parameters());
    }

    /** Only the classifier depends on the class count: conv3's 5x5x64 weights and bias per class. */
    @Test
    void costFollowsTheClassCount() {
        Architecture baseline = architectures.get("baseline");

        assertThat(baseline.cost().parameters()).isEqualTo(123_338);
        assertThat(baseline.cost(3).parameters()).isEqualTo(123_338 - 10 * (25 * 64 + 1) + 3 * (25 * 64 + 1));
        assertThat(baseline.cost(3).macs()).isEqualTo(18_086_400 - 6 * 6 * 25 * 64 * 7);
        assertThatThrownBy(() -> baseline.recipe().networkSettings().withClasses(1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 to 1000 classes, not 1");
        assertThatThrownBy(() -> baseline.recipe().networkSettings().withClasses(1001))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSeedsFourNetworksInItsOrder() {
        assertThat(architectures.names()).containsExactly("baseline", "factorized", "multibranch", "batchnorm");
        assertThatThrownBy(() -> architectures.get("resnet"))
                .isInstanceOf(UnknownArchitectureException.class)
                .hasMessageContaining("baseline, factorized, multibranch, batchnorm");
    }

    /**
     * Hand-computed: a k x k conv from c to f maps has k*k*c*f weights and f biases; its MACs are
     * H*W*k*k*c*f at its output resolution (24x24 for conv1, 12x12 for conv2, 6x6 for conv3).
     */
    @ParameterizedTest
    @CsvSource({
            // name,      params,  trainable, MACs
            "baseline,    123338,  123338,    18086400",  // 4864 + 102464 + 16010; 2764800 + 14745600 + 576000
            "factorized,  61962,   61962,     9239040",   // 4864 + 2*20544 + 16010; 2764800 + 2*2949120 + 576000
            "multibranch, 413194,  413194,    54614016",  // 4864 + (4160+36928+102464+200768) + 64010; 2764800 + 144*4096*84 + 2304000
            "batchnorm,   123850,  123594,    18132480",  // baseline + 2 BN x (gamma, beta, mean, var) x 64; + 24*24*64 + 12*12*64
    })
    void parameterAndMacCountsMatchTheHandComputedNumbers(String name, long params, long trainable, long macs) {
        NetworkCost cost = architectures.get(name).cost();

        assertThat(cost.parameters()).isEqualTo(params);
        assertThat(cost.trainableParameters()).isEqualTo(trainable);
        assertThat(cost.macs()).isEqualTo(macs);
    }

    @ParameterizedTest
    @CsvSource({"baseline", "factorized", "multibranch", "batchnorm", "combined", "combined-no-bn",
            "combined-no-factorisation", "combined-single-branch"})
    void initialisedNetworkHasTheCountedParametersAndMapsABatchToProbabilities(String name) {
        Architecture architecture = Architectures.offered().get(name);
        ComputationGraph net = new ComputationGraph(architecture.configuration(NetworkSettings.defaults()));
        net.init();

        assertThat(net.numParams()).isEqualTo(architecture.cost().parameters());
        INDArray out = net.outputSingle(Nd4j.rand(DataType.FLOAT, 3, 3, 24, 24));
        assertThat(out.shape()).containsExactly(3, 10);
        for (float rowSum : out.sum(1).toFloatVector()) {
            assertThat(rowSum).isCloseTo(1f, within(1e-5f));
        }
    }

    @Test
    void theServiceOffersTheSeedsNetworksTheCombinedOneAndItsAblations() {
        assertThat(Architectures.offered().names()).containsExactly("baseline", "factorized", "multibranch", "batchnorm",
                "combined", "combined-no-bn", "combined-no-factorisation", "combined-single-branch");
    }

    /** Combined: factorised kernels only, three branches per block, one batch normalisation per block, linear logits. */
    @Test
    void theCombinedNetworkUsesAllThreeTechniques() {
        NetworkCost cost = Architectures.offered().get("combined").cost();
        Map<String, String> kernels = kernels(cost);
        assertThat(kernels).containsEntry("stem_3x1", "3x1").containsEntry("stem_1x3", "1x3")
                .containsEntry("a1_5_5x1", "5x1").containsEntry("a1_5_1x5", "1x5")
                .containsEntry("b2_7_7x1", "7x1").containsEntry("b2_7_1x7", "1x7").containsEntry("b1_1_1x1", "1x1");
        assertThat(kernels.values()).noneMatch(k -> k.equals("3x3") || k.equals("5x5") || k.equals("7x7"));
        Map<String, String> shapes = shapes(cost);
        assertThat(shapes).containsEntry("a1_concat", "224x12x12").containsEntry("b1_concat", "448x6x6")
                .containsEntry("b2_concat", "448x6x6").containsEntry("logits", "10x6x6");
        assertThat(names(cost, "BatchNormalization")).containsExactly("stem_bn", "a1_bn", "b1_bn", "b2_bn");
        // batch normalisation sits behind the pooling at 24x24 and 12x12: a quarter of the values to normalise
        assertThat(shapes).containsEntry("stem_bn", "64x12x12").containsEntry("a1_bn", "224x6x6");
        assertThat(cost.layers().stream().filter(l -> l.name().equals("logits")).findFirst().orElseThrow().type())
                .contains("Convolution");
        assertThat(names(cost, "ActivationLayer")).doesNotContain("logits_relu");
        System.out.printf("combined: %,d parameters, %,d MACs per image%n", cost.parameters(), cost.macs());
    }

    /** Each ablation switches exactly one technique off and leaves the rest of the network as it was. */
    @Test
    void eachAblationSwitchesOneTechniqueOff() {
        Architectures offered = Architectures.offered();
        NetworkCost combined = offered.get("combined").cost();

        NetworkCost noBatchNorm = offered.get("combined-no-bn").cost();
        assertThat(names(noBatchNorm, "BatchNormalization")).isEmpty();
        assertThat(kernels(noBatchNorm)).isEqualTo(kernels(combined));

        NetworkCost unfactorised = offered.get("combined-no-factorisation").cost();
        assertThat(kernels(unfactorised)).containsEntry("stem_3x3", "3x3").containsEntry("a1_5_5x5", "5x5")
                .containsEntry("b1_7_7x7", "7x7");
        assertThat(kernels(unfactorised).values()).noneMatch(k -> k.startsWith("1x") && !k.equals("1x1") || k.endsWith("x1") && !k.equals("1x1"));
        assertThat(names(unfactorised, "BatchNormalization")).isEqualTo(names(combined, "BatchNormalization"));
        assertThat(shapes(unfactorised)).containsEntry("b1_concat", "448x6x6");

        NetworkCost singleBranch = offered.get("combined-single-branch").cost();
        assertThat(names(singleBranch, "MergeVertex")).isEmpty();
        assertThat(shapes(singleBranch)).containsEntry("a1_1x3", "224x12x12").containsEntry("b1_1x3", "448x6x6");
        assertThat(names(singleBranch, "BatchNormalization")).isEqualTo(names(combined, "BatchNormalization"));
    }

    private static Map<String, String> kernels(NetworkCost cost) {
        return cost.layers().stream().filter(l -> l.kernel() != null && l.type().contains("Convolution"))
                .collect(Collectors.toMap(NetworkCost.LayerCost::name, NetworkCost.LayerCost::kernel));
    }

    private static Map<String, String> shapes(NetworkCost cost) {
        return cost.layers().stream()
                .collect(Collectors.toMap(NetworkCost.LayerCost::name, NetworkCost.LayerCost::output, (a, b) -> a));
    }

    private static List<String> names(NetworkCost cost, String type) {
        return cost.layers().stream().filter(l -> l.type().contains(type)).map(NetworkCost.LayerCost::name).toList();
    }

    @Test
    void layerTablesShowTheSeedsShapes() {
        Map<String, String> baseline = shapes("baseline");
        assertThat(baseline).containsEntry("conv1", "64x24x24").containsEntry("pool1", "64x12x12")
                .containsEntry("conv2", "64x12x12").containsEntry("pool2", "64x6x6")
                .containsEntry("conv3", "10x6x6").containsEntry("avgpool", "10");
        assertThat(shapes("multibranch")).containsEntry("concat", "256x12x12").containsEntry("pool2", "256x6x6");
        assertThat(shapes("factorized")).containsEntry("conv2_5x1", "64x12x12").containsEntry("conv2_1x5", "64x12x12");
        var kernels = architectures.get("factorized").cost().layers().stream()
                .collect(Collectors.toMap(NetworkCost.LayerCost::name, NetworkCost.LayerCost::kernel));
        assertThat(kernels).containsEntry("conv2_5x1", "5x1").containsEntry("conv2_1x5", "1x5");
    }

    @Test
    void initialisationIsTheSeedsTruncatedNormalAndBias() {
        ComputationGraph net = new ComputationGraph(new Baseline().configuration(NetworkSettings.defaults()));
        net.init();

        INDArray weights = net.getParam("conv2_W");
        assertThat(weights.stdNumber().doubleValue()).isCloseTo(0.088, within(0.005)); // 0.1 truncated at 2 sigma
        assertThat(weights.amaxNumber().doubleValue()).isLessThanOrEqualTo(0.2 + 1e-6);
        assertThat(net.getParam("conv2_b").toFloatVector()).containsOnly(0.1f);
    }

    @Test
    void theSeedsArithmeticComesOutOfTheSameCounter() {
        // a 5x2 single-channel image: 3x3 SAME costs 5*2*9 = 90 multiplications, 3x1 then 1x3 costs 30 + 30 = 60
        assertThat(tinyGraph(new int[][]{{3, 3}}).macs()).isEqualTo(90);
        assertThat(tinyGraph(new int[][]{{3, 1}, {1, 3}}).macs()).isEqualTo(60);
    }

    private static NetworkCost tinyGraph(int[][] kernels) {
        InputType input = InputType.convolutional(5, 2, 1, CNN2DFormat.NCHW);
        var graph = new NeuralNetConfiguration.Builder()
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(input);
        String previous = "in";
        for (int i = 0; i < kernels.length; i++) {
            graph.addLayer("c" + i, new ConvolutionLayer.Builder(kernels[i][0], kernels[i][1]).nOut(1).hasBias(false).build(),
                    previous);
            previous = "c" + i;
        }
        ComputationGraphConfiguration conf = graph.setOutputs(previous).build();
        return NetworkCost.of(conf, input);
    }

    private Map<String, String> shapes(String name) {
        return shapes(architectures.get(name).cost());
    }
}
