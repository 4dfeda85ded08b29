package io.cnnlab.inference;

import io.cnnlab.datasets.Cifar10;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.datasets.TrainingData;
import io.cnnlab.models.ModelConflictException;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.evaluation.Evaluation;
import io.cnnlab.evaluation.Evaluator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.springframework.stereotype.Service;

import java.util.concurrent.Semaphore;

/**
 * A model version measured on the whole CIFAR-10 test set, plainly and, on request, with each image averaged with
 * its mirror image (test-time flip augmentation), reported side by side. One evaluation at a time: it loads its own
 * copy of the network and uses every core for a few seconds (baseline) to a minute.
 */
@Service
public class ModelEvaluator {

    /**
     * @param modelName    the model's name, as a job's {@code modelName}
     * @param flipAveraged the same set with flip averaging, or null when not asked for
     */
    public record Result(String modelName, int version, int images, Evaluation plain, Evaluation flipAveraged,
                         double seconds) {
    }

    private final LoadedModels models;
    private final TrainingData data;
    private final Evaluator evaluator;
    private final Preprocessing preprocessing;
    private final Semaphore oneAtATime = new Semaphore(1);

    ModelEvaluator(LoadedModels models, TrainingData data, Preprocessing preprocessing) {
        this.models = models;
        this.data = data;
        this.evaluator = new Evaluator(preprocessing, 500);
        this.preprocessing = preprocessing;
    }

    public Result evaluate(ModelVersion version, boolean flipAveraged) {
        if (!version.labels().equals(Cifar10.CLASSES)) {
            throw new ModelConflictException("model '%s' v%d does not predict the CIFAR-10 classes; there is no test set to measure it on"
                    .formatted(version.name(), version.version()));
        }
        if (!oneAtATime.tryAcquire()) {
            throw new OverloadedException("another evaluation is running; retry when it has finished");
        }
        try {
            long start = System.nanoTime();
            Cifar10 cifar = data.cifar10();
            ComputationGraph net = models.loadCopy(version);
            Evaluation plain = evaluator.evaluate(net, cifar.test());
            Evaluation flipped = flipAveraged ? evaluator.evaluate(net, cifar.test(),
                    FlipAveraging.probe(preprocessing, cifar.test().channels())) : null;
            return new Result(version.name(), version.version(), plain.images(), plain, flipped,
                    (System.nanoTime() - start) / 1e9);
        } finally {
            oneAtATime.release();
        }
    }
}
