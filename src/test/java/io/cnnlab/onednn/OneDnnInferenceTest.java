package io.cnnlab.onednn;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.nativeruntime.NativeBackend;
import io.cnnlab.networks.InputDescription;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Serving on the oneDNN engine answers what DL4J's {@code outputSingle} answers: the same probabilities for every
 * network (batch normalisation with its running statistics, after a few training steps moved them), for 13 images
 * (run as 8 + 4 + 1) and for one; and it follows the weights when told they changed.
 */
class OneDnnInferenceTest {

    @BeforeAll
    static void backend() {
        NativeBackend.activate();
    }

    @ParameterizedTest
    @ValueSource(strings = {"baseline", "factorized", "multibranch", "batchnorm", "combined"})
    void givesDl4jsProbabilities(String name) {
        var architecture = Architectures.offered().get(name);
        ComputationGraph net = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
        Nd4j.getRandom().setSeed(5);
        train(net, 3);
        INDArray images = Nd4j.rand(DataType.FLOAT, 13, 3, 24, 24).subi(0.5).muli(3);
        float[][] expected = net.outputSingle(false, images).toFloatMatrix();

        EngineChoice<OneDnnInference> choice = OneDnnInference.of(net, InputDescription.SEED.inputType());
        assertThat(choice.unsupportedBecause()).isNull();
        try (OneDnnInference engine = choice.engine()) {
            float[][] rows = engine.output(images.dup('c').data().asFloat(), 13);
            assertThat(rows).hasNumberOfRows(13);
            for (int i = 0; i < 13; i++) {
                assertThat(rows[i]).as("image %d", i).containsExactly(expected[i], within(2e-5f));
            }
            float[][] one = engine.output(images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup('c')
                    .data().asFloat(), 1);
            assertThat(one[0]).containsExactly(expected[0], within(2e-5f));

            train(net, 2);
            float[][] after = net.outputSingle(false, images).toFloatMatrix();
            engine.reloadWeights();
            assertThat(engine.output(images.dup('c').data().asFloat(), 13)[12]).containsExactly(after[12], within(2e-5f));
        }
    }

    private static void train(ComputationGraph net, int steps) {
        for (int s = 0; s < steps; s++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 16, 3, 24, 24).subi(0.5).muli(3);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 10);
            for (int n = 0; n < 16; n++) {
                y.putScalar(n, (n * 3 + s) % 10, 1);
            }
            net.fit(new DataSet(x, y));
        }
    }
}
