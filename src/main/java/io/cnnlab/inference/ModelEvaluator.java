package io.cnnlab.inference;

import io.cnnlab.datasets.Thumbnails;

import io.cnnlab.datasets.Cifar10;
import io.cnnlab.datasets.DatasetNotFoundException;
import io.cnnlab.datasets.Datasets;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.models.ModelConflictException;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.evaluation.Evaluation;
import io.cnnlab.evaluation.Evaluator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.springframework.stereotype.Service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Semaphore;

/**
 * A model version measured on the whole test split of a data set whose classes are its labels, plainly and, on
 * request, with each image averaged with its mirror image (test-time flip augmentation), reported side by side; or
 * its most confident mistakes on that split. One evaluation at a time: it loads its own copy of the network and uses
 * every core for a few seconds (baseline) to a minute.
 */
@Service
public class ModelEvaluator {

    /**
     * @param modelName    the model's name, as a job's {@code modelName}
     * @param flipAveraged the same set with flip averaging, or null when not asked for
     * @param dataset      the data set whose test split was measured
     */
    public record Result(String modelName, int version, int images, Evaluation plain, Evaluation flipAveraged,
                         double seconds, String dataset) {

        public Result(String modelName, int version, int images, Evaluation plain, Evaluation flipAveraged,
                      double seconds) {
            this(modelName, version, images, plain, flipAveraged, seconds, null);
        }
    }

    /**
     * An image of the test split the version gets wrong.
     *
     * @param index      the image's position in the test split
     * @param confidence the probability the version gives its (wrong) answer
     * @param thumbnail  the stored image as a PNG data URL
     */
    public record Mistake(int index, String trueLabel, String predictedLabel, double confidence, String thumbnail) {
    }

    /** The most confident mistakes, most confident first, and how many mistakes the split holds in all. */
    public record Mistakes(List<Mistake> items, long total) {
    }

    private static final Comparator<Candidate> MORE_CONFIDENT_FIRST = Comparator
            .comparingDouble(Candidate::confidence).reversed().thenComparingInt(Candidate::index);

    private record Candidate(int index, int label, int predicted, double confidence) {
    }

    private final LoadedModels models;
    private final Datasets datasets;
    private final Evaluator evaluator;
    private final Preprocessing preprocessing;
    private final Semaphore oneAtATime = new Semaphore(1);

    ModelEvaluator(LoadedModels models, Datasets datasets, Preprocessing preprocessing) {
        this.models = models;
        this.datasets = datasets;
        this.evaluator = new Evaluator(preprocessing, 500);
        this.preprocessing = preprocessing;
    }

    public Result evaluate(ModelVersion version, boolean flipAveraged) {
        return evaluate(version, null, flipAveraged);
    }

    /** On {@code dataset}'s test split; null for the version's own (see {@link #defaultDataset}). */
    public Result evaluate(ModelVersion version, String dataset, boolean flipAveraged) {
        String id = datasetFor(version, dataset);
        acquire();
        try {
            long start = System.nanoTime();
            LabelledImages test = datasets.load(id).test();
            ComputationGraph net = models.loadCopy(version);
            Evaluation plain = evaluator.evaluate(net, test);
            Evaluation flipped = flipAveraged ? evaluator.evaluate(net, test,
                    FlipAveraging.probe(preprocessing, test.channels())) : null;
            return new Result(version.name(), version.version(), plain.images(), plain, flipped,
                    (System.nanoTime() - start) / 1e9, id);
        } finally {
            oneAtATime.release();
        }
    }

    /**
     * The {@code limit} mistakes the version makes with the highest confidence on {@code dataset}'s test split (null:
     * the version's own), ties by position; one pass, holding no more than {@code limit} candidates.
     */
    public Mistakes misclassified(ModelVersion version, String dataset, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        String id = datasetFor(version, dataset);
        acquire();
        try {
            LabelledImages test = datasets.load(id).test();
            ComputationGraph net = models.loadCopy(version);
            // the least confident kept mistake on top, to be dropped when a more confident one comes
            PriorityQueue<Candidate> kept = new PriorityQueue<>(MORE_CONFIDENT_FIRST.reversed());
            long[] total = {0};
            evaluator.evaluate(net, test, Evaluator::probabilities, (index, label, predicted, probabilities) -> {
                if (predicted == label) {
                    return;
                }
                total[0]++;
                kept.add(new Candidate(index, label, predicted, probabilities[predicted]));
                if (kept.size() > limit) {
                    kept.poll();
                }
            });
            List<Candidate> ordered = new ArrayList<>(kept);
            ordered.sort(MORE_CONFIDENT_FIRST);
            List<String> labels = test.classes();
            List<Mistake> items = ordered.stream().map(c -> new Mistake(c.index(), labels.get(c.label()),
                    labels.get(c.predicted()), c.confidence(), Thumbnails.dataUrl(test, c.index()))).toList();
            return new Mistakes(items, total[0]);
        } finally {
            oneAtATime.release();
        }
    }

    private void acquire() {
        if (!oneAtATime.tryAcquire()) {
            throw new OverloadedException("another evaluation is running; retry when it has finished");
        }
    }

    /** The data set to measure on: the one asked for, else the version's own; its classes must be the labels. */
    private String datasetFor(ModelVersion version, String asked) {
        String id = asked != null ? asked : defaultDataset(version);
        if (id == null) {
            throw new ModelConflictException(("model '%s' v%d does not predict the CIFAR-10 classes and names no data "
                    + "set; name one whose classes are its labels with ?dataset=<id>").formatted(version.name(), version.version()));
        }
        List<String> classes;
        try {
            classes = datasets.get(id).classes();
        } catch (DatasetNotFoundException e) {
            if (asked != null) {
                throw new InvalidInputException(e.getMessage() + " (GET /api/v1/datasets lists them)");
            }
            throw new ModelConflictException("model '%s' v%d was trained on data set '%s', which has been deleted; name another with ?dataset=<id>"
                    .formatted(version.name(), version.version(), id));
        }
        if (!classes.equals(version.labels())) {
            throw new ModelConflictException(("data set '%s' has %d classes %s, model '%s' v%d predicts %d labels %s; "
                    + "a version is measured on a data set with its labels in the same order").formatted(id,
                    classes.size(), abbreviated(classes), version.name(), version.version(), version.labels().size(),
                    abbreviated(version.labels())));
        }
        return id;
    }

    /**
     * The data set a version is measured on when the request names none: the one it was trained on; for an import,
     * CIFAR-10 when the labels are its classes.
     */
    private static String defaultDataset(ModelVersion version) {
        if (version.dataset() != null) {
            return version.dataset();
        }
        return version.labels().equals(Cifar10.CLASSES) ? Datasets.CIFAR10 : null;
    }

    private static String abbreviated(List<String> labels) {
        return labels.size() <= 12 ? labels.toString()
                : labels.subList(0, 12).toString().replace("]", ", ...]");
    }
}
