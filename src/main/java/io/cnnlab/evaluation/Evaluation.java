package io.cnnlab.evaluation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * Loss and accuracy of a network on a labelled set, with its confusion matrix from the same pass.
 *
 * @param loss      mean cross-entropy
 * @param accuracy  share of images whose most probable class is the label
 * @param images    images evaluated
 * @param confusion counts of (true, predicted) label; null where only the totals are known
 */
public record Evaluation(double loss, double accuracy, int images, @JsonIgnore ConfusionMatrix confusion) {

    public Evaluation(double loss, double accuracy, int images) {
        this(loss, accuracy, images, null);
    }

    @JsonProperty("labels")
    public List<String> labels() {
        return confusion == null ? null : confusion.labels();
    }

    /** Rows the true label, columns the predicted one, in label order. */
    @JsonProperty("confusionMatrix")
    public int[][] confusionMatrix() {
        return confusion == null ? null : confusion.counts();
    }

    @JsonProperty("perClass")
    public List<PerClassEvaluation.LabelMetrics> perClass() {
        return confusion == null ? null : confusion.perClass().perClass();
    }
}
