package io.cnnlab.evaluation;

import io.cnnlab.datasets.Batch;
import io.cnnlab.datasets.BatchSource;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Preprocessing;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Evaluates a network on a whole labelled set, in inference mode, with the evaluation preprocessing. */
public final class Evaluator {

    private static final double MIN_PROBABILITY = 1e-12;

    private final Preprocessing preprocessing;
    private final int batchSize;

    public Evaluator(Preprocessing preprocessing, int batchSize) {
        this.preprocessing = preprocessing;
        this.batchSize = batchSize;
    }

    /** How a batch's class probabilities are obtained: plainly here; serving adds its test-time variants. */
    @FunctionalInterface
    public interface Probe {
        float[][] probabilities(ComputationGraph net, INDArray features);
    }

    public Evaluation evaluate(ComputationGraph net, LabelledImages data) {
        return evaluate(net, data, Evaluator::probabilities);
    }

    /** Loss and accuracy with the probabilities {@code probe} gives for each batch of preprocessed images. */
    public Evaluation evaluate(ComputationGraph net, LabelledImages data, Probe probe) {
        double lossSum = 0;
        long correct = 0;
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            Batch batch = BatchSource.evaluationBatch(data, preprocessing, from, to);
            float[][] p = probe.probabilities(net, batch.features());
            for (int i = 0; i < p.length; i++) {
                int label = data.label(from + i);
                lossSum -= Math.log(Math.max(p[i][label], MIN_PROBABILITY));
                if (argMax(p[i]) == label) {
                    correct++;
                }
            }
            batch.features().close();
            batch.labels().close();
        }
        return new Evaluation(lossSum / data.size(), (double) correct / data.size(), data.size());
    }

    /** The network's plain answer for a batch, one row per image. */
    public static float[][] probabilities(ComputationGraph net, INDArray features) {
        try (INDArray probabilities = net.outputSingle(false, features)) {
            return probabilities.toFloatMatrix();
        }
    }

    static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
