package io.cnnlab.architectures;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * Adam's learning rate: {@code initial}, multiplied by {@code decayRate} every {@code decaySteps} steps
 * (staircase, as the seed's {@code tf.train.exponential_decay(..., staircase=True)}); {@code decayRate} 1 keeps it
 * constant. Each {@link Architecture}'s {@link Recipe} names the one it starts from.
 */
public record LearningRate(double initial, double decayRate, int decaySteps) {

    public LearningRate {
        if (!(initial > 0 && initial <= 10)) {
            throw new IllegalArgumentException("learning rate must be in (0, 10], was " + initial);
        }
        if (!(decayRate > 0 && decayRate <= 1)) {
            throw new IllegalArgumentException("decay rate must be in (0, 1], was " + decayRate);
        }
        if (decaySteps <= 0) {
            throw new IllegalArgumentException("decay steps must be positive, was " + decaySteps);
        }
    }

    public static LearningRate constant(double rate) {
        return new LearningRate(rate, 1, 1000);
    }

    public double at(long step) {
        return initial * Math.pow(decayRate, Math.floorDiv(step, decaySteps));
    }

    public ISchedule schedule() {
        return new StepSchedule(ScheduleType.ITERATION, initial, decayRate, decaySteps);
    }
}
