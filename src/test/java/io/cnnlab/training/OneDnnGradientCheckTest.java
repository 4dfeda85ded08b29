package io.cnnlab.training;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.Recipe;
import io.cnnlab.datasets.Batch;
import io.cnnlab.datasets.BatchSource;
import io.cnnlab.datasets.CifarFixtures;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.nativeruntime.NativeBackend;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oneDNN layer helpers are active for every layer type that has one, and the gradients they compute agree with
 * finite differences. In NHWC they do not (a DL4J 1.0.0-M2.1 bug), which is why every network trains in NCHW; the
 * last test keeps that bug visible so the check is known to be able to fail.
 */
class OneDnnGradientCheckTest {

    @BeforeAll
    static void helpersOn() {
        assertThat(NativeBackend.activate().layerHelpers())
                .as("this build ships the oneDNN natives, so the helpers must be on").isTrue();
    }

    @Test
    void convPoolingAndBatchNormLayersGetTheirOneDnnHelper() {
        ComputationGraph net = Networks.create(Architectures.seed().get("batchnorm"),
                TrainingPlan.seedDefaults(Architectures.seed().get("batchnorm")));

        Map<String, Object> helpers = new HashMap<>();
        for (Layer layer : net.getLayers()) {
            helpers.put(layer.conf().getLayer().getLayerName(),
                    layer instanceof AbstractLayer<?> a && a.getHelper() != null ? a.getHelper().getClass() : null);
        }
        assertThat(helpers).containsEntry("conv1", MKLDNNConvHelper.class)
                .containsEntry("conv2", MKLDNNConvHelper.class)
                .containsEntry("conv3", MKLDNNConvHelper.class)
                .containsEntry("pool1", MKLDNNSubsamplingHelper.class)
                .containsEntry("pool2", MKLDNNSubsamplingHelper.class)
                .containsEntry("bn1", MKLDNNBatchNormHelper.class)
                .containsEntry("bn2", MKLDNNBatchNormHelper.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"baseline", "factorized", "multibranch", "batchnorm"})
    void seedNetworksGradientsMatchFiniteDifferences(String architecture) {
        TrainingPlan seed = TrainingPlan.seedDefaults(Architectures.seed().get(architecture));
        // half the seed's init stddev keeps multibranch's initial logits out of saturation
        TrainingPlan plan = seed.withRecipe(new Recipe(1, 4,
                seed.recipe().learningRate(), 42, seed.recipe().augmentation(), 0.05, 0.1, 10));
        ComputationGraph net = Networks.create(Architectures.seed().get(architecture), plan);
        // real preprocessed images keep the logits moderate: with saturated ones DL4J's loss clips probabilities
        // at 1e-10 and finite differences see a flat score where backprop (rightly) does not
        Batch batch = BatchSource.evaluationBatch(CifarFixtures.images(4, 3), new Preprocessing(24), 0, 4);
        INDArray x = batch.features();
        INDArray y = batch.labels();

        double worst = worstRelativeError(net, x, y, "conv3_b", "conv1_b");

        assertThat(net.score(new DataSet(x, y), true)).as("initial loss").isLessThan(10);
        assertThat(worst).as("worst relative gradient error of %s", architecture).isLessThan(0.05);
    }

    @Test
    void nhwcWithHelpersGivesWrongGradientsWhichIsWhyWeTrainInNchw() {
        double nchw = worstRelativeError(tinyNet(CNN2DFormat.NCHW), tinyInput(CNN2DFormat.NCHW), oneHot(4, 3), "c2_b");
        double nhwc = worstRelativeError(tinyNet(CNN2DFormat.NHWC), tinyInput(CNN2DFormat.NHWC), oneHot(4, 3), "c2_b");

        assertThat(nchw).isLessThan(0.05);
        assertThat(nhwc).as("if this fails, DL4J fixed its NHWC helper path").isGreaterThan(0.2);
    }

    /**
     * Central differences on (up to 16) entries of the named parameters, against the backpropagated gradient. DL4J's
     * gradient is summed over the batch (its updater divides by the batch size later) while its score is the batch
     * mean, hence the division.
     */
    private static double worstRelativeError(ComputationGraph net, INDArray x, INDArray y, String... params) {
        net.setInputs(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        Map<String, INDArray> analytic = new HashMap<>();
        for (String param : params) {
            analytic.put(param, net.gradient().getGradientFor(param).dup());
        }
        double epsilon = 1e-3;
        double worst = 0;
        for (String param : params) {
            INDArray values = net.getParam(param);
            for (int i = 0; i < Math.min(values.length(), 16); i++) {
                double original = values.getDouble(i);
                values.putScalar(i, original + epsilon);
                double plus = score(net, x, y);
                values.putScalar(i, original - epsilon);
                double minus = score(net, x, y);
                values.putScalar(i, original);
                double numeric = (plus - minus) / (2 * epsilon);
                double backprop = analytic.get(param).getDouble(i) / x.size(0);
                double error = Math.abs(numeric - backprop) / Math.max(Math.abs(numeric) + Math.abs(backprop), 1e-2);
                worst = Math.max(worst, error);
            }
        }
        return worst;
    }

    private static double score(ComputationGraph net, INDArray x, INDArray y) {
        return net.score(new DataSet(x, y), true);
    }

    private static INDArray oneHot(int n, int classes) {
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, (i * 7) % classes, 1);
        }
        return labels;
    }

    private static INDArray tinyInput(CNN2DFormat format) {
        Nd4j.getRandom().setSeed(5);
        INDArray nchw = Nd4j.rand(DataType.FLOAT, 4, 3, 8, 8).subi(0.5).muli(4);
        return format == CNN2DFormat.NCHW ? nchw : nchw.permute(0, 2, 3, 1).dup();
    }

    private static ComputationGraph tinyNet(CNN2DFormat format) {
        NativeBackend.activate();
        var conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.XAVIER)
                .biasInit(0.1)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(8, 8, 3, format))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.IDENTITY)
                        .dataFormat(format).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().dataFormat(format).activation(Activation.RELU).build(), "c1")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .dataFormat(format).build(), "bn")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.RELU)
                        .dataFormat(format).build(), "p1")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c2")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .build(), "gap")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }
}
