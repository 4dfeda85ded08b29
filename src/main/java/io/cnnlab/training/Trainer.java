package io.cnnlab.training;

import io.cnnlab.evaluation.Evaluator;
import io.cnnlab.evaluation.Evaluation;
import io.cnnlab.networks.ModelFormat;
import io.cnnlab.datasets.Batch;
import io.cnnlab.datasets.BatchSource;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Prefetcher;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.onednn.OneDnnTraining;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs a training budget on one network: batches from the input pipeline (prefetched on its own thread), a full test
 * set evaluation at every epoch end, progress to a listener, and a stop check between batches.
 *
 * <p>The network's own step counter says where to start, so a network read back from a checkpoint continues exactly
 * where it stopped: the same next batch, the same updater state. Not thread-safe (neither is a DL4J network): one
 * trainer call per network at a time.
 */
public final class Trainer {

    private static final int PREFETCH_DEPTH = 4;

    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    private final Preprocessing preprocessing;
    private final Evaluator evaluator;
    private final boolean oneDnn;

    /** A trainer that runs every network it can on the oneDNN engine ({@link OneDnnTraining}), the rest on DL4J. */
    public Trainer(Preprocessing preprocessing, Evaluator evaluator) {
        this(preprocessing, evaluator, true);
    }

    /** @param oneDnn false: every network on DL4J's own path ({@code cnn.training.engine=dl4j}) */
    public Trainer(Preprocessing preprocessing, Evaluator evaluator, boolean oneDnn) {
        this.preprocessing = preprocessing;
        this.evaluator = evaluator;
        this.oneDnn = oneDnn;
    }

    public TrainingOutcome train(ComputationGraph net, TrainingPlan plan, LabelledImages train, LabelledImages test,
                                 TrainingListener listener, BooleanSupplier stopRequested) throws InterruptedException {
        var recipe = plan.recipe();
        BatchSource source = new BatchSource(train, preprocessing, recipe.batchSize(), recipe.augmentation(), recipe.seed());
        TrainingPlan.Budget budget = plan.budget(train.size());
        int stepsPerEpoch = budget.stepsPerEpoch();
        long totalSteps = budget.totalSteps();
        long step = Networks.steps(net);
        List<EpochMetrics> epochs = new ArrayList<>();
        NetworkSnapshot snapshot = snapshotOf(net);
        Steps steps = new Steps(net, plan.architecture());
        try (steps; Prefetcher<Batch> batches = new Prefetcher<>("training-batches", step, totalSteps, PREFETCH_DEPTH,
                s -> source.trainingBatch((int) (s / stepsPerEpoch), (int) (s % stepsPerEpoch), s))) {
            long runTrainNanos = 0;
            long runImages = 0;
            EpochTally tally = new EpochTally(System.nanoTime(), batches.waitNanos());
            while (batches.hasNext()) {
                if (stopRequested.getAsBoolean()) {
                    return new TrainingOutcome(false, step, epochs);
                }
                long stepStart = System.nanoTime();
                Batch batch = batches.next();
                double loss = steps.fit(batch.features(), batch.labels());
                step = batch.step() + 1;
                if (step % recipe.trainAccuracyEvery() == 0) {
                    tally.sampleAccuracy(net, batch);
                }
                int images = batch.size();
                batch.features().close();
                batch.labels().close();
                long stepNanos = System.nanoTime() - stepStart;
                tally.addStep(loss, images, stepNanos);
                runTrainNanos += stepNanos;
                runImages += images;
                double imagesPerSecond = runImages / (runTrainNanos / 1e9);
                boolean epochEnd = budget.endsEpoch(step);
                listener.onStep(new StepProgress(step, totalSteps, budget.epochOf(step), loss,
                        imagesPerSecond, etaSeconds(runTrainNanos, runImages, totalSteps - step, recipe.batchSize()),
                        epochEnd), snapshot);
                if (epochEnd) {
                    Evaluation evaluation = evaluator.evaluate(net, test);
                    EpochMetrics metrics = tally.finish(budget.epochOf(step), step, evaluation,
                            batches.waitNanos(), recipe.learningRate().at(step));
                    epochs.add(metrics);
                    listener.onEpoch(metrics, snapshot);
                    tally = new EpochTally(System.nanoTime(), batches.waitNanos());
                }
            }
            return new TrainingOutcome(true, step, epochs);
        }
    }

    /**
     * One training step after another on the oneDNN engine when it runs this network (decided at the first batch,
     * whose shape it is compiled for), else on DL4J's {@code fit}.
     */
    private final class Steps implements AutoCloseable {
        private final ComputationGraph net;
        private final String architecture;
        private OneDnnTraining engine;
        private boolean decided;

        Steps(ComputationGraph net, String architecture) {
            this.net = net;
            this.architecture = architecture;
        }

        double fit(INDArray features, INDArray labels) {
            if (!decided) {
                decided = true;
                if (oneDnn) {
                    var choice = OneDnnTraining.of(net, InputType.convolutional(features.size(2), features.size(3),
                            features.size(1)));
                    engine = choice.engine();
                    log.info("{} trains on {}", architecture, choice.describe());
                } else {
                    log.info("{} trains on DL4J (cnn.training.engine=dl4j)", architecture);
                }
            }
            if (engine != null) {
                return engine.fit(features, labels);
            }
            net.fit(new DataSet(features, labels));
            return net.score();
        }

        @Override
        public void close() {
            if (engine != null) {
                engine.close();
            }
        }
    }

    private static double etaSeconds(long trainNanos, long images, long stepsLeft, int batchSize) {
        return images == 0 ? Double.NaN : stepsLeft * batchSize * (trainNanos / 1e9) / images;
    }

    private static NetworkSnapshot snapshotOf(ComputationGraph net) {
        return new NetworkSnapshot() {
            @Override
            public long step() {
                return Networks.steps(net);
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                ModelFormat.write(net, out);
            }
        };
    }

    /** Running sums of one epoch. */
    private static final class EpochTally {
        private final long startNanos;
        private final long startWaitNanos;
        private double lossSum;
        private int steps;
        private long images;
        private long trainNanos;
        private long sampled;
        private long sampledCorrect;

        EpochTally(long startNanos, long startWaitNanos) {
            this.startNanos = startNanos;
            this.startWaitNanos = startWaitNanos;
        }

        void addStep(double loss, int batchImages, long nanos) {
            lossSum += loss;
            steps++;
            images += batchImages;
            trainNanos += nanos;
        }

        void sampleAccuracy(ComputationGraph net, Batch batch) {
            INDArray predicted = net.outputSingle(false, batch.features()).argMax(1);
            INDArray actual = batch.labels().argMax(1);
            long[] p = predicted.toLongVector();
            long[] a = actual.toLongVector();
            for (int i = 0; i < p.length; i++) {
                sampled++;
                if (p[i] == a[i]) {
                    sampledCorrect++;
                }
            }
        }

        EpochMetrics finish(int epoch, long step, Evaluation test, long waitNanos, double learningRate) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            double waitShare = trainNanos == 0 ? 0 : (double) (waitNanos - startWaitNanos) / trainNanos;
            return new EpochMetrics(epoch, step, lossSum / Math.max(1, steps),
                    sampled == 0 ? Double.NaN : (double) sampledCorrect / sampled,
                    test.loss(), test.accuracy(), images / (trainNanos / 1e9), seconds, waitShare, learningRate,
                    test.confusion());
        }
    }
}
