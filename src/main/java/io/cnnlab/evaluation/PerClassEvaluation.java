package io.cnnlab.evaluation;

import java.util.List;

/**
 * How a network did on a labelled set, label by label: the one shape of per-class evaluation in the API (a job's
 * epoch, a model version's evaluation).
 *
 * @param labels          class names in label order
 * @param confusionMatrix image counts, rows the true label, columns the predicted one, both in label order
 * @param perClass        one entry per label, in label order
 * @param accuracy        share of images on the diagonal
 * @param images          images evaluated (the matrix's sum)
 */
public record PerClassEvaluation(List<String> labels, int[][] confusionMatrix, List<LabelMetrics> perClass,
                                 double accuracy, int images) {

    /**
     * One label's figures; a ratio with a zero denominator is 0 (see {@link ConfusionMatrix#perClass}).
     *
     * @param precision of the images predicted as this label, the share that are
     * @param recall    of the images of this label, the share predicted as it
     * @param f1        harmonic mean of precision and recall
     * @param support   images of this label in the set
     */
    public record LabelMetrics(String label, double precision, double recall, double f1, int support) {
    }
}
