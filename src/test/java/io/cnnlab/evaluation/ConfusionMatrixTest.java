package io.cnnlab.evaluation;

import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Preprocessing;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The per-class figures against values worked out by hand, including each 0/0 case. */
class ConfusionMatrixTest {

    private static final List<String> LABELS = List.of("a", "b", "c", "d");

    /**
     * Rows true, columns predicted. c is never predicted and has 2 images; d has no images and is predicted once.
     * Column sums (predicted as): a 8, b 4, c 0, d 1. Row sums (support): 6, 5, 2, 0. Diagonal 8 of 13.
     */
    private static final int[][] COUNTS = {
            {5, 1, 0, 0},
            {2, 3, 0, 0},
            {1, 0, 0, 1},
            {0, 0, 0, 0}};

    @Test
    void precisionRecallF1AndSupportPerLabel() {
        PerClassEvaluation evaluation = ConfusionMatrix.of(LABELS, COUNTS).perClass();

        assertThat(evaluation.labels()).containsExactly("a", "b", "c", "d");
        assertThat(evaluation.images()).isEqualTo(13);
        assertThat(evaluation.accuracy()).isEqualTo(8.0 / 13);
        assertThat(evaluation.confusionMatrix()).isDeepEqualTo(COUNTS);
        List<PerClassEvaluation.LabelMetrics> a = evaluation.perClass();
        assertThat(a).extracting(PerClassEvaluation.LabelMetrics::label).containsExactly("a", "b", "c", "d");
        assertThat(a).extracting(PerClassEvaluation.LabelMetrics::support).containsExactly(6, 5, 2, 0);
        // a: 5 of 8 predicted a are a; 5 of 6 a found; F1 = 2TP / (2TP + FP + FN) = 10 / 14
        assertThat(a.get(0).precision()).isEqualTo(5.0 / 8);
        assertThat(a.get(0).recall()).isEqualTo(5.0 / 6);
        assertThat(a.get(0).f1()).isCloseTo(5.0 / 7, within(1e-12));
        // b: 3 of 4, 3 of 5, 6 / 9
        assertThat(a.get(1).precision()).isEqualTo(3.0 / 4);
        assertThat(a.get(1).recall()).isEqualTo(3.0 / 5);
        assertThat(a.get(1).f1()).isCloseTo(2.0 / 3, within(1e-12));
        // c: never predicted, precision 0/0 -> 0; recall 0 of 2
        assertThat(a.get(2).precision()).isZero();
        assertThat(a.get(2).recall()).isZero();
        assertThat(a.get(2).f1()).isZero();
        // d: no images, recall 0/0 -> 0 (support 0 says why); precision 0 of the 1 predicted d
        assertThat(a.get(3).precision()).isZero();
        assertThat(a.get(3).recall()).isZero();
        assertThat(a.get(3).f1()).isZero();
    }

    @Test
    void anEmptyMatrixIsAllZeroNotNaN() {
        PerClassEvaluation empty = ConfusionMatrix.of(List.of("x", "y"), new int[2][2]).perClass();

        assertThat(empty.images()).isZero();
        assertThat(empty.accuracy()).isZero();
        assertThat(empty.perClass()).allSatisfy(m -> {
            assertThat(m.precision()).isZero();
            assertThat(m.recall()).isZero();
            assertThat(m.f1()).isZero();
            assertThat(m.support()).isZero();
        });
    }

    @Test
    void storedSparselyAndReadBackTheSame() {
        ConfusionMatrix matrix = ConfusionMatrix.of(LABELS, COUNTS);

        String json = matrix.toJson();

        assertThat(json).isEqualTo("{\"labels\":[\"a\",\"b\",\"c\",\"d\"],"
                + "\"cells\":[[0,0,5],[0,1,1],[1,0,2],[1,1,3],[2,0,1],[2,3,1]]}");
        ConfusionMatrix read = ConfusionMatrix.fromJson(json);
        assertThat(read.labels()).isEqualTo(LABELS);
        assertThat(read.counts()).isDeepEqualTo(COUNTS);
    }

    @Test
    void aStoredMatrixHoldsAtMostOneCellPerImageHoweverManyClasses() {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            labels.add("class-" + i);
        }
        int[][] counts = new int[1000][1000];
        counts[0][999] = 3;
        counts[500][500] = 7;

        JsonNode stored = JsonMapper.builder().build().readTree(ConfusionMatrix.of(labels, counts).toJson());

        assertThat(stored.get("cells")).hasSize(2);
        assertThat(ConfusionMatrix.fromJson(stored.toString()).counts()[0][999]).isEqualTo(3);
    }

    @Test
    void aCellOutsideTheLabelsIsRefused() {
        assertThatThrownBy(() -> new ConfusionMatrix.Tally(List.of("x", "y")).add(0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> ConfusionMatrix.fromJson("{\"labels\":[\"x\"],\"cells\":[[1,0,1]]}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The evaluator's one pass: each image's argmax lands in its (label, prediction) cell, the loss comes from the
     * same probabilities, and the accuracy is the matrix's diagonal share.
     */
    @Test
    void theEvaluatorFillsTheMatrixInTheSamePassAsLossAndAccuracy() {
        // four images, labels x, x, y, y; answers x (0.9), y (0.6), y (0.8), x (0.7)
        short[] labels = {0, 0, 1, 1};
        LabelledImages data = new LabelledImages(new byte[4 * 3 * 4 * 4], labels, 3, 4, 4, List.of("x", "y"));
        float[][] answers = {{0.9f, 0.1f}, {0.4f, 0.6f}, {0.2f, 0.8f}, {0.7f, 0.3f}};
        int[] probed = {0};
        List<String> seen = new ArrayList<>();
        Evaluator evaluator = new Evaluator(new Preprocessing(4), 3);

        Evaluation evaluation = evaluator.evaluate(null, data, (net, features) -> {
            int n = (int) features.size(0);
            float[][] batch = new float[n][];
            for (int i = 0; i < n; i++) {
                batch[i] = answers[probed[0]++];
            }
            return batch;
        }, (index, label, predicted, probabilities) -> seen.add(index + ":" + label + "->" + predicted));

        assertThat(probed[0]).as("each image probed once").isEqualTo(4);
        assertThat(seen).containsExactly("0:0->0", "1:0->1", "2:1->1", "3:1->0");
        assertThat(evaluation.confusion().counts()).isDeepEqualTo(new int[][]{{1, 1}, {1, 1}});
        assertThat(evaluation.accuracy()).isEqualTo(0.5);
        assertThat(evaluation.images()).isEqualTo(4);
        double loss = -(Math.log(0.9f) + Math.log(0.4f) + Math.log(0.8f) + Math.log(0.3f)) / 4;
        assertThat(evaluation.loss()).isCloseTo(loss, within(1e-9));
    }

    @Test
    void anEvaluationShowsItsPerClassFiguresInItsJson() {
        Evaluation evaluation = new Evaluation(0.5, 8.0 / 13, 13, ConfusionMatrix.of(LABELS, COUNTS));

        JsonNode json = JsonMapper.builder().build().valueToTree(evaluation);

        assertThat(json.propertyNames()).containsExactlyInAnyOrder("loss", "accuracy", "images", "labels",
                "confusionMatrix", "perClass");
        assertThat(json.get("confusionMatrix").get(2).toString()).isEqualTo("[1,0,0,1]");
        assertThat(json.get("perClass").get(1).get("precision").asDouble()).isEqualTo(0.75);
        assertThat(json.get("perClass").get(3).get("support").asInt()).isZero();
    }
}
