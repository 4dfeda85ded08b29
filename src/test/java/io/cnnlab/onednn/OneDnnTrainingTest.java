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

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The oneDNN engine is the same arithmetic as DL4J's own path: two copies of a network, one trained by {@code fit},
 * one by the engine, on the same batches (two batch sizes, so two compiled passes), end with the same parameters,
 * updater state, step count and scores, to float rounding. Networks with a layer the engine does not run say why.
 */
class OneDnnTrainingTest {

    @BeforeAll
    static void backend() {
        NativeBackend.activate();
    }

    @ParameterizedTest
    @ValueSource(strings = {"baseline", "factorized"})
    void trainsExactlyAsDl4jDoes(String name) {
        var architecture = Architectures.seed().get(name);
        ComputationGraph dl4j = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
        ComputationGraph own = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
        assertThat(own.params()).isEqualTo(dl4j.params());

        OneDnnTraining.Choice choice = OneDnnTraining.of(own, InputDescription.SEED.inputType());
        assertThat(choice.unsupportedBecause()).isNull();
        Random random = new Random(11);
        try (OneDnnTraining engine = choice.engine()) {
            for (int step = 0; step < 6; step++) {
                int batch = step == 4 ? 5 : 16;
                INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, 24, 24).subi(0.5).muli(3);
                INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
                for (int n = 0; n < batch; n++) {
                    y.putScalar(n, random.nextInt(10), 1);
                }
                dl4j.fit(new DataSet(x, y));
                double loss = engine.fit(x, y);
                assertThat(loss).as("loss at step %d", step).isCloseTo(dl4j.score(), withinRelative(1e-5));
            }
        }
        assertThat(Networks.steps(own)).isEqualTo(Networks.steps(dl4j)).isEqualTo(6);
        assertThat(maxRelativeDifference(own.params(), dl4j.params())).as("parameters").isLessThan(1e-4);
        assertThat(maxRelativeDifference(own.getUpdater().getStateViewArray(), dl4j.getUpdater().getStateViewArray()))
                .as("Adam's moments").isLessThan(1e-3);
        assertThat(own.params()).as("the parameters moved").isNotEqualTo(
                Networks.create(architecture, TrainingPlan.seedDefaults(architecture)).params());
    }

    @ParameterizedTest
    @ValueSource(strings = {"multibranch", "batchnorm", "combined"})
    void networksWithLayersItDoesNotRunStayOnDl4j(String name) {
        var architecture = Architectures.offered().get(name);
        OneDnnTraining.Choice choice = OneDnnTraining.of(
                Networks.create(architecture, TrainingPlan.seedDefaults(architecture)), InputDescription.SEED.inputType());
        assertThat(choice.engine()).isNull();
        assertThat(choice.unsupportedBecause()).isNotBlank();
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
