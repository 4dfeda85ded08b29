package io.cnnlab.web;

import io.cnnlab.evaluation.PerClassEvaluation;

import java.util.List;

/**
 * A job's last evaluated epoch on the test set: which epoch and step, then the per-class evaluation
 * ({@link PerClassEvaluation}, the same fields as a model version's).
 */
record JobEvaluationView(int epoch, long step, List<String> labels, int[][] confusionMatrix,
                         List<PerClassEvaluation.LabelMetrics> perClass, double accuracy, int images) {

    static JobEvaluationView of(int epoch, long step, PerClassEvaluation evaluation) {
        return new JobEvaluationView(epoch, step, evaluation.labels(), evaluation.confusionMatrix(),
                evaluation.perClass(), evaluation.accuracy(), evaluation.images());
    }
}
