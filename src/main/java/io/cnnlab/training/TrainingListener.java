package io.cnnlab.training;

/**
 * Receives a run's progress on the training thread. A {@link NetworkSnapshot} is valid only during the call: write it
 * then (e.g. a checkpoint) or not at all.
 */
public interface TrainingListener {

    TrainingListener NONE = new TrainingListener() {
    };

    default void onStep(StepProgress progress, NetworkSnapshot snapshot) {
    }

    default void onEpoch(EpochMetrics metrics, NetworkSnapshot snapshot) {
    }
}
