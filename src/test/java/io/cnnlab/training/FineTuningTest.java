package io.cnnlab.training;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A 10-class network of each architecture fine-tuned onto 3 classes, with its feature layers frozen. */
class FineTuningTest {

    @ParameterizedTest
    @ValueSource(strings = {"baseline", "factorized", "multibranch", "batchnorm", "combined", "combined-no-bn",
            "combined-no-factorisation", "combined-single-branch"})
    void theClassifierIsReplacedAndTheFrozenFeatureLayersDoNotMove(String name) {
        Architecture architecture = Architectures.offered().get(name);
        TrainingPlan plan = TrainingPlan.seedDefaults(architecture);
        ComputationGraph source = Networks.create(architecture, plan, 10);
        source.getConfiguration().setIterationCount(7);
        Map<String, INDArray> before = parameters(source);

        ComputationGraph tuned = FineTuning.from(source, architecture, plan, 3, true);
        String classifier = architecture.classifierLayer();
        assertThat(Networks.steps(tuned)).as("a new run counts its own steps").isZero();
        assertThat(FineTuning.outputs(tuned, classifier)).isEqualTo(3);
        INDArray newClassifier = tuned.getLayer(classifier).params().dup();
        tuned.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 4, 3, 24, 24),
                Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.FLOAT)));

        assertThat(tuned.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 3, 24, 24)).shape()).containsExactly(2, 3);
        assertThat(tuned.numParams()).isEqualTo(architecture.cost(3).parameters());
        Map<String, INDArray> after = parameters(tuned);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        after.forEach((layer, params) -> {
            if (!layer.equals(classifier)) {
                assertThat(params).as(layer + " is frozen").isEqualTo(before.get(layer));
            }
        });
        assertThat(after.get(classifier)).as("the classifier trains").isNotEqualTo(newClassifier);
    }

    /** Each layer's parameters (copies) by vertex name, layers without parameters left out. */
    private static Map<String, INDArray> parameters(ComputationGraph net) {
        Map<String, INDArray> byName = new HashMap<>();
        for (GraphVertex vertex : net.getVertices()) {
            if (vertex.hasLayer() && vertex.getLayer().numParams() > 0) {
                byName.put(vertex.getVertexName(), vertex.getLayer().params().dup());
            }
        }
        return byName;
    }
}
