package io.cnnlab.training;

import io.cnnlab.datasets.Batch;
import io.cnnlab.datasets.BatchSource;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Preprocessing;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Evaluates a network on a whole labelled set, in inference mode, with the evaluation preprocessing. */
public final class Evaluator {

    private static final double MIN_PROBABILITY = 1e-12;

    private final Preprocessing preprocessing;
    private final int batchSize;

    public Evaluator(Preprocessing preprocessing, int batchSize) {
        this.preprocessing = preprocessing;
        this.batchSize = batchSize;
    }

    public Evaluation evaluate(ComputationGraph net, LabelledImages data) {
        return evaluate(net, data, false);
    }

    /**
     * @param flipAveraged average each image's probabilities with its mirror image's (test-time augmentation: twice
     *                     the work; reported apart from the plain figure, never instead of it)
     */
    public Evaluation evaluate(ComputationGraph net, LabelledImages data, boolean flipAveraged) {
        double lossSum = 0;
        long correct = 0;
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            Batch batch = BatchSource.evaluationBatch(data, preprocessing, from, to);
            float[][] p = probabilities(net, batch.features());
            if (flipAveraged) {
                float[] mirrored = preprocessing.mirrored(batch.features().data().asFloat(), data.channels());
                try (INDArray features = Nd4j.create(mirrored, batch.features().shape(), batch.features().dataType())) {
                    average(p, probabilities(net, features));
                }
            }
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

    private static float[][] probabilities(ComputationGraph net, INDArray features) {
        try (INDArray probabilities = net.outputSingle(false, features)) {
            return probabilities.toFloatMatrix();
        }
    }

    /** {@code into} becomes the mean of itself and {@code other}, row by row. */
    public static void average(float[][] into, float[][] other) {
        for (int i = 0; i < into.length; i++) {
            for (int j = 0; j < into[i].length; j++) {
                into[i][j] = (into[i][j] + other[i][j]) / 2;
            }
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
