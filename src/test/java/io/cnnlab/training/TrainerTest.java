package io.cnnlab.training;

import io.cnnlab.evaluation.Evaluator;
import io.cnnlab.networks.ModelFormat;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.datasets.Augmentation;
import io.cnnlab.datasets.CifarFixtures;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Preprocessing;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Real DL4J training on small generated images (gratings whose orientation and frequency give the class). */
class TrainerTest {

    private static final LabelledImages TRAIN = CifarFixtures.images(400, 1);
    private static final LabelledImages TEST = CifarFixtures.images(100, 2);

    private final Preprocessing preprocessing = new Preprocessing(24);
    private final Trainer trainer = new Trainer(preprocessing, new Evaluator(preprocessing, 50));

    private static TrainingPlan plan(String architecture) {
        return TrainingPlan.seedDefaults(Architectures.seed().get(architecture)).withBatchSize(20).withEpochs(4)
                .withLearningRate(LearningRate.constant(2e-3));
    }

    @Test
    void lossFallsAndEveryEpochReportsItsMetrics() throws InterruptedException {
        TrainingPlan plan = plan("baseline");
        ComputationGraph net = Networks.create(Architectures.seed().get("baseline"), plan);
        List<StepProgress> steps = new ArrayList<>();

        TrainingOutcome outcome = trainer.train(net, plan, TRAIN, TEST, new TrainingListener() {
            @Override
            public void onStep(StepProgress progress, NetworkSnapshot snapshot) {
                steps.add(progress);
            }
        }, () -> false);

        assertThat(outcome.finished()).isTrue();
        assertThat(outcome.step()).isEqualTo(80);
        assertThat(steps).hasSize(80);
        assertThat(steps.get(79).fraction()).isEqualTo(1.0);
        assertThat(steps.get(0).etaSeconds()).isPositive();
        assertThat(steps.stream().filter(StepProgress::epochEnd).map(StepProgress::step)).containsExactly(20L, 40L, 60L, 80L);
        List<EpochMetrics> epochs = outcome.epochs();
        assertThat(epochs).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3, 4);
        assertThat(epochs).extracting(EpochMetrics::step).containsExactly(20L, 40L, 60L, 80L);
        assertThat(epochs.get(3).trainLoss()).isLessThan(epochs.get(0).trainLoss() * 0.8);
        assertThat(epochs.get(3).testLoss()).isLessThan(epochs.get(0).testLoss());
        assertThat(epochs.get(3).testAccuracy()).isGreaterThan(0.3); // chance is 0.1
        for (EpochMetrics epoch : epochs) {
            assertThat(epoch.imagesPerSecond()).isPositive();
            assertThat(epoch.seconds()).isPositive();
            assertThat(epoch.dataWaitShare()).isBetween(0.0, 1.0);
            assertThat(epoch.trainAccuracy()).isBetween(0.0, 1.0);
            assertThat(epoch.testConfusion().images()).as("the whole test set in the matrix").isEqualTo(100);
            assertThat(epoch.testConfusion().accuracy()).as("from the same pass").isEqualTo(epoch.testAccuracy());
        }
    }

    @Test
    void aBudgetInStepsEndsMidEpochWithAFinalEvaluation() throws InterruptedException {
        TrainingPlan plan = plan("factorized").withMaxSteps(25L);
        ComputationGraph net = Networks.create(Architectures.seed().get("factorized"), plan);

        TrainingOutcome outcome = trainer.train(net, plan, TRAIN, TEST, TrainingListener.NONE, () -> false);

        assertThat(outcome.step()).isEqualTo(25);
        assertThat(outcome.epochs()).extracting(EpochMetrics::step).containsExactly(20L, 25L);
        assertThat(outcome.epochs()).extracting(EpochMetrics::epoch).containsExactly(1, 2);
    }

    @Test
    void aStopRequestEndsTheRunBetweenBatches() throws InterruptedException {
        TrainingPlan plan = plan("baseline");
        ComputationGraph net = Networks.create(Architectures.seed().get("baseline"), plan);
        List<Long> steps = new ArrayList<>();

        TrainingOutcome outcome = trainer.train(net, plan, TRAIN, TEST, new TrainingListener() {
            @Override
            public void onStep(StepProgress progress, NetworkSnapshot snapshot) {
                steps.add(progress.step());
            }
        }, () -> steps.size() >= 7);

        assertThat(outcome.finished()).isFalse();
        assertThat(outcome.step()).isEqualTo(7);
        assertThat(Networks.steps(net)).isEqualTo(7);
    }

    @Test
    void thePlansTrainAccuracyEveryDecidesWhichBatchesAreSampled() throws InterruptedException {
        TrainingPlan sampled = plan("baseline").withMaxSteps(3L)
                .withRecipe(plan("baseline").recipe().withTrainAccuracyEvery(3));
        TrainingPlan never = sampled.withRecipe(sampled.recipe().withTrainAccuracyEvery(4));

        double every3 = trainer.train(Networks.create(Architectures.seed().get("baseline"), sampled), sampled, TRAIN, TEST,
                new TrainingListener() { }, () -> false).epochs().get(0).trainAccuracy();
        double every4 = trainer.train(Networks.create(Architectures.seed().get("baseline"), never), never, TRAIN, TEST,
                new TrainingListener() { }, () -> false).epochs().get(0).trainAccuracy();

        assertThat(every3).isBetween(0.0, 1.0); // step 3 was sampled
        assertThat(every4).isNaN(); // no step of the three was
    }

    @Test
    void theBudgetIsTheOneStepsAndEpochsArithmetic() {
        TrainingPlan.Budget epochs = plan("baseline").budget(400); // batch 20, 4 epochs
        assertThat(epochs).isEqualTo(new TrainingPlan.Budget(20, 80));
        assertThat(epochs.epochOf(1)).isEqualTo(1);
        assertThat(epochs.epochOf(20)).isEqualTo(1);
        assertThat(epochs.epochOf(21)).isEqualTo(2);
        assertThat(epochs.endsEpoch(40)).isTrue();
        assertThat(epochs.endsEpoch(41)).isFalse();
        TrainingPlan.Budget steps = plan("baseline").withMaxSteps(7L).budget(410);
        assertThat(steps).isEqualTo(new TrainingPlan.Budget(20, 7));
        assertThat(steps.endsEpoch(7)).isTrue();
        assertThat(plan("baseline").withBatchSize(1000).budget(400)).isEqualTo(new TrainingPlan.Budget(1, 4));
    }

    @Test
    void savedAndRestoredNetworkContinuesWithTheSameNextStepLoss() throws Exception {
        // batchnorm: updater state, batch-norm running statistics and the step-decay schedule must all survive
        TrainingPlan plan = plan("batchnorm").withMaxSteps(12L)
                .withLearningRate(new LearningRate(0.01, 0.5, 4)).withAugmentation(Augmentation.seedDefaults());
        Map<Long, Double> uninterrupted = losses(Networks.create(Architectures.seed().get("batchnorm"), plan), plan);

        ComputationGraph first = Networks.create(Architectures.seed().get("batchnorm"), plan);
        ByteArrayOutputStream checkpoint = new ByteArrayOutputStream();
        trainer.train(first, plan.withMaxSteps(7L), TRAIN, TEST, new TrainingListener() {
            @Override
            public void onEpoch(EpochMetrics metrics, NetworkSnapshot snapshot) {
                if (snapshot.step() == 7) {
                    write(snapshot, checkpoint);
                }
            }
        }, () -> false);
        ComputationGraph restored = ModelFormat.read(new ByteArrayInputStream(checkpoint.toByteArray()));
        assertThat(Networks.steps(restored)).isEqualTo(7);
        Map<Long, Double> resumed = losses(restored, plan);

        assertThat(resumed.keySet()).containsExactly(8L, 9L, 10L, 11L, 12L);
        for (long step = 8; step <= 12; step++) {
            assertThat(resumed.get(step)).as("loss of step %d", step).isCloseTo(uninterrupted.get(step), within(1e-4));
        }
    }

    private Map<Long, Double> losses(ComputationGraph net, TrainingPlan plan) throws InterruptedException {
        Map<Long, Double> losses = new java.util.TreeMap<>();
        trainer.train(net, plan, TRAIN, TEST, new TrainingListener() {
            @Override
            public void onStep(StepProgress progress, NetworkSnapshot snapshot) {
                losses.put(progress.step(), progress.loss());
            }
        }, () -> false);
        return losses;
    }

    private static void write(NetworkSnapshot snapshot, ByteArrayOutputStream out) {
        try {
            snapshot.writeTo(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
