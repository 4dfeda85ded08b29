package io.cnnlab.evaluation;

/**
 * Loss and accuracy of a network on a labelled set.
 *
 * @param loss     mean cross-entropy
 * @param accuracy share of images whose most probable class is the label
 * @param images   images evaluated
 */
public record Evaluation(double loss, double accuracy, int images) {
}
