package io.cnnlab.evaluation;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts of (true label, predicted label) over a labelled set: rows are the true label, columns the prediction, both
 * in label order. Kept sparse when stored ({@link #toJson}): at most one cell per image, however many classes.
 */
public final class ConfusionMatrix {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> labels;
    private final int[][] counts;

    public ConfusionMatrix(List<String> labels) {
        this.labels = List.copyOf(labels);
        this.counts = new int[labels.size()][labels.size()];
    }

    /** A matrix of known counts, {@code counts[true][predicted]}. */
    public static ConfusionMatrix of(List<String> labels, int[][] counts) {
        ConfusionMatrix matrix = new ConfusionMatrix(labels);
        if (counts.length != labels.size()) {
            throw new IllegalArgumentException("%d rows for %d labels".formatted(counts.length, labels.size()));
        }
        for (int t = 0; t < counts.length; t++) {
            if (counts[t].length != labels.size()) {
                throw new IllegalArgumentException("row %d has %d cells for %d labels".formatted(t, counts[t].length, labels.size()));
            }
            for (int p = 0; p < counts[t].length; p++) {
                matrix.add(t, p, counts[t][p]);
            }
        }
        return matrix;
    }

    void add(int actual, int predicted) {
        add(actual, predicted, 1);
    }

    private void add(int actual, int predicted, int n) {
        if (actual < 0 || actual >= counts.length || predicted < 0 || predicted >= counts.length || n < 0) {
            throw new IllegalArgumentException("cell (%d, %d) += %d is outside a matrix of %d labels"
                    .formatted(actual, predicted, n, counts.length));
        }
        counts[actual][predicted] += n;
    }

    public List<String> labels() {
        return labels;
    }

    /** A copy of the counts, {@code [true][predicted]}. */
    public int[][] counts() {
        int[][] copy = new int[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            copy[i] = counts[i].clone();
        }
        return copy;
    }

    public int images() {
        int sum = 0;
        for (int[] row : counts) {
            for (int n : row) {
                sum += n;
            }
        }
        return sum;
    }

    public int correct() {
        int sum = 0;
        for (int i = 0; i < counts.length; i++) {
            sum += counts[i][i];
        }
        return sum;
    }

    /** The share of images on the diagonal; 0 for an empty set. */
    public double accuracy() {
        int images = images();
        return images == 0 ? 0 : (double) correct() / images;
    }

    /**
     * Precision, recall, F1 and support per label. A ratio whose denominator is 0 is 0 (the convention of
     * scikit-learn's {@code zero_division=0}): precision of a label never predicted, recall of a label without
     * images (its support, 0, says so), F1 when precision and recall are both 0. Never NaN, which JSON cannot carry.
     */
    public PerClassEvaluation perClass() {
        int n = counts.length;
        List<PerClassEvaluation.LabelMetrics> metrics = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            int truePositives = counts[c][c];
            int support = 0;
            int predicted = 0;
            for (int other = 0; other < n; other++) {
                support += counts[c][other];
                predicted += counts[other][c];
            }
            double precision = ratio(truePositives, predicted);
            double recall = ratio(truePositives, support);
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            metrics.add(new PerClassEvaluation.LabelMetrics(labels.get(c), precision, recall, f1, support));
        }
        return new PerClassEvaluation(labels, counts(), metrics, accuracy(), images());
    }

    private static double ratio(int numerator, int denominator) {
        return denominator == 0 ? 0 : (double) numerator / denominator;
    }

    /** {@code {"labels":[..],"cells":[[true,predicted,count],..]}}, only the non-zero cells, row by row. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode names = root.putArray("labels");
        labels.forEach(names::add);
        ArrayNode cells = root.putArray("cells");
        for (int t = 0; t < counts.length; t++) {
            for (int p = 0; p < counts.length; p++) {
                if (counts[t][p] != 0) {
                    cells.addArray().add(t).add(p).add(counts[t][p]);
                }
            }
        }
        return JSON.writeValueAsString(root);
    }

    /** Reads what {@link #toJson} wrote. */
    public static ConfusionMatrix fromJson(String json) {
        JsonNode root = JSON.readTree(json);
        List<String> labels = new ArrayList<>();
        root.get("labels").forEach(label -> labels.add(label.asString()));
        ConfusionMatrix matrix = new ConfusionMatrix(labels);
        for (JsonNode cell : root.get("cells")) {
            matrix.add(cell.get(0).asInt(), cell.get(1).asInt(), cell.get(2).asInt());
        }
        return matrix;
    }
}
