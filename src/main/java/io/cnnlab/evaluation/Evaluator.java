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

    /** Sees each image's answer as the evaluation passes it (e.g. to keep the most confident mistakes). */
    @FunctionalInterface
    public interface Observer {
        void image(int index, int label, int predicted, float[] probabilities);
    }

    public Evaluation evaluate(ComputationGraph net, LabelledImages data) {
        return evaluate(net, data, Evaluator::probabilities);
    }

    public Evaluation evaluate(ComputationGraph net, LabelledImages data, Probe probe) {
        return evaluate(net, data, probe, (index, label, predicted, probabilities) -> {
        });
    }

    /**
     * Loss, accuracy and the confusion matrix (labels {@code data.classes()}) with the probabilities {@code probe}
     * gives for each batch of preprocessed images, all in one pass; {@code observer} sees every image's answer.
     */
    public Evaluation evaluate(ComputationGraph net, LabelledImages data, Probe probe, Observer observer) {
        double lossSum = 0;
        ConfusionMatrix.Tally confusion = new ConfusionMatrix.Tally(data.classes());
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            Batch batch = BatchSource.evaluationBatch(data, preprocessing, from, to);
            float[][] p = probe.probabilities(net, batch.features());
            for (int i = 0; i < p.length; i++) {
                int label = data.label(from + i);
                lossSum -= Math.log(Math.max(p[i][label], MIN_PROBABILITY));
                int predicted = argMax(p[i]);
                confusion.add(label, predicted);
                observer.image(from + i, label, predicted, p[i]);
            }
            batch.features().close();
            batch.labels().close();
        }
        ConfusionMatrix matrix = confusion.matrix();
        // accuracy from the matrix, so the diagonal over the images is the reported accuracy exactly
        return new Evaluation(lossSum / data.size(), matrix.accuracy(), data.size(), matrix);
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
