package io.cnnlab.evaluation;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts of (true label, predicted label) over a labelled set: rows are the true label, columns the prediction, both
 * in label order. Held and stored ({@link #toJson}) as its non-zero cells only: at most one per image however many
 * classes, so a trainer that keeps every epoch's matrix keeps little.
 */
public final class ConfusionMatrix {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> labels;
    /** The non-zero cells, row by row: true label, predicted label, images. */
    private final int[] actual;
    private final int[] predicted;
    private final int[] images;

    private ConfusionMatrix(List<String> labels, int[][] counts) {
        this.labels = List.copyOf(labels);
        int n = labels.size();
        int cells = 0;
        for (int[] row : counts) {
            for (int c : row) {
                cells += c == 0 ? 0 : 1;
            }
        }
        actual = new int[cells];
        predicted = new int[cells];
        images = new int[cells];
        int at = 0;
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                if (counts[t][p] != 0) {
                    actual[at] = t;
                    predicted[at] = p;
                    images[at++] = counts[t][p];
                }
            }
        }
    }

    /** A matrix of known counts, {@code counts[true][predicted]}. */
    public static ConfusionMatrix of(List<String> labels, int[][] counts) {
        Tally tally = new Tally(labels);
        if (counts.length != labels.size()) {
            throw new IllegalArgumentException("%d rows for %d labels".formatted(counts.length, labels.size()));
        }
        for (int t = 0; t < counts.length; t++) {
            if (counts[t].length != labels.size()) {
                throw new IllegalArgumentException("row %d has %d cells for %d labels".formatted(t, counts[t].length, labels.size()));
            }
            for (int p = 0; p < counts[t].length; p++) {
                tally.add(t, p, counts[t][p]);
            }
        }
        return tally.matrix();
    }

    /** Counts while an evaluation runs (a dense table, labels squared), then the matrix of its non-zero cells. */
    static final class Tally {
        private final List<String> labels;
        private final int[][] counts;

        Tally(List<String> labels) {
            this.labels = labels;
            this.counts = new int[labels.size()][labels.size()];
        }

        void add(int actual, int predicted) {
            add(actual, predicted, 1);
        }

        void add(int actual, int predicted, int n) {
            if (actual < 0 || actual >= counts.length || predicted < 0 || predicted >= counts.length || n < 0) {
                throw new IllegalArgumentException("cell (%d, %d) += %d is outside a matrix of %d labels"
                        .formatted(actual, predicted, n, counts.length));
            }
            counts[actual][predicted] += n;
        }

        ConfusionMatrix matrix() {
            return new ConfusionMatrix(labels, counts);
        }
    }

    public List<String> labels() {
        return labels;
    }

    /** The whole table, {@code [true][predicted]}, zeros included. */
    public int[][] counts() {
        int[][] counts = new int[labels.size()][labels.size()];
        for (int i = 0; i < images.length; i++) {
            counts[actual[i]][predicted[i]] = images[i];
        }
        return counts;
    }

    public int images() {
        int sum = 0;
        for (int n : images) {
            sum += n;
        }
        return sum;
    }

    public int correct() {
        int sum = 0;
        for (int i = 0; i < images.length; i++) {
            sum += actual[i] == predicted[i] ? images[i] : 0;
        }
        return sum;
    }

    /** The share of images on the diagonal; 0 for an empty set. */
    public double accuracy() {
        int all = images();
        return all == 0 ? 0 : (double) correct() / all;
    }

    /**
     * Precision, recall, F1 and support per label. A ratio whose denominator is 0 is 0 (the convention of
     * scikit-learn's {@code zero_division=0}): precision of a label never predicted, recall of a label without
     * images (its support, 0, says so), F1 when precision and recall are both 0. Never NaN, which JSON cannot carry.
     */
    public PerClassEvaluation perClass() {
        int n = labels.size();
        int[] truePositives = new int[n];
        int[] support = new int[n];
        int[] predictedAs = new int[n];
        for (int i = 0; i < images.length; i++) {
            support[actual[i]] += images[i];
            predictedAs[predicted[i]] += images[i];
            if (actual[i] == predicted[i]) {
                truePositives[actual[i]] += images[i];
            }
        }
        List<PerClassEvaluation.LabelMetrics> metrics = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            double precision = ratio(truePositives[c], predictedAs[c]);
            double recall = ratio(truePositives[c], support[c]);
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            metrics.add(new PerClassEvaluation.LabelMetrics(labels.get(c), precision, recall, f1, support[c]));
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
        for (int i = 0; i < images.length; i++) {
            cells.addArray().add(actual[i]).add(predicted[i]).add(images[i]);
        }
        return JSON.writeValueAsString(root);
    }

    /** Reads what {@link #toJson} wrote. */
    public static ConfusionMatrix fromJson(String json) {
        JsonNode root = JSON.readTree(json);
        List<String> labels = new ArrayList<>();
        root.get("labels").forEach(label -> labels.add(label.asString()));
        Tally tally = new Tally(labels);
        for (JsonNode cell : root.get("cells")) {
            tally.add(cell.get(0).asInt(), cell.get(1).asInt(), cell.get(2).asInt());
        }
        return tally.matrix();
    }
}
