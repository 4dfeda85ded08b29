package io.cnnlab.benchmark.onednn;

import io.cnnlab.architectures.Architectures;
import io.cnnlab.nativeruntime.NativeBackend;
import io.cnnlab.training.Networks;
import io.cnnlab.training.TrainingPlan;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Random;

/**
 * Issue 18's prototype measured: {@link OneDnnBaseline} checked against the DL4J network it replaces (same
 * parameters and batch: probabilities, loss, every gradient, and the parameters after Adam steps), then timed like
 * the peer (random data of the real shape, warm-up, median step).
 *
 * <pre>
 * --check           compare with DL4J and exit (non-zero when they disagree)
 * --steps N         timed steps (200)     --warmup N   untimed steps first (300)     --batch N   (128)
 * </pre>
 */
public final class OneDnnStepBenchmark {

    private static final String[] PARAMS = {"conv1_W", "conv1_b", "conv2_W", "conv2_b", "conv3_W", "conv3_b"};

    private OneDnnStepBenchmark() {
    }

    public static void main(String[] args) {
        boolean check = false;
        int steps = 200;
        int warmup = 300;
        int batch = 128;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--check" -> check = true;
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.exit(check ? check(batch) : time(batch, steps, warmup));
    }

    private static int check(int batch) {
        NativeBackend.activate();
        var architecture = Architectures.seed().get("baseline");
        ComputationGraph dl4j = Networks.create(architecture, TrainingPlan.seedDefaults(architecture));
        Random random = new Random(7);
        float[] nhwc = randomImages(random, batch);
        int[] labels = randomLabels(random, batch);
        INDArray x = Nd4j.create(nhwc, new long[]{batch, 24, 24, 3}).permute(0, 3, 1, 2).dup('c');
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int n = 0; n < batch; n++) {
            y.putScalar(n, labels[n], 1);
        }

        int failures = 0;
        try (OneDnnBaseline own = new OneDnnBaseline(batch, 10, 1e-4)) {
            for (String p : PARAMS) {
                own.setParameter(p, dl4j.getParam(p).dup('c').data().asFloat());
            }
            dl4j.setInputs(x);
            dl4j.setLabels(y);
            dl4j.computeGradientAndScore();
            double ownLoss = own.forwardBackward(nhwc, labels);
            float[] dl4jProbabilities = dl4j.outputSingle(false, x).dup('c').data().asFloat();
            failures += report("probabilities", dl4jProbabilities, own.probabilities(), 1e-5);
            failures += report("loss", new float[]{(float) dl4j.score()}, new float[]{(float) ownLoss}, 1e-5);
            for (String p : PARAMS) {
                float[] expected = dl4j.gradient().getGradientFor(p).dup('c').data().asFloat();
                for (int i = 0; i < expected.length; i++) {
                    expected[i] /= batch; // DL4J sums over the batch; its updater divides later
                }
                failures += report("gradient " + p, expected, own.gradient(p), 1e-4);
            }
            int updates = 5;
            for (int s = 0; s < updates; s++) {
                float[] images = randomImages(random, batch);
                int[] classes = randomLabels(random, batch);
                INDArray xs = Nd4j.create(images, new long[]{batch, 24, 24, 3}).permute(0, 3, 1, 2).dup('c');
                INDArray ys = Nd4j.zeros(DataType.FLOAT, batch, 10);
                for (int n = 0; n < batch; n++) {
                    ys.putScalar(n, classes[n], 1);
                }
                dl4j.fit(new DataSet(xs, ys));
                own.trainStep(images, classes);
            }
            for (String p : PARAMS) {
                failures += report("after " + updates + " Adam steps " + p, dl4j.getParam(p).dup('c').data().asFloat(),
                        own.parameter(p), 1e-4);
            }
        }
        System.out.println(failures == 0 ? "CHECK PASSED" : "CHECK FAILED: " + failures);
        return failures == 0 ? 0 : 1;
    }

    /** Worst difference relative to the largest magnitude of the expected values. */
    private static int report(String what, float[] expected, float[] actual, double tolerance) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        double relative = worst / Math.max(scale, 1e-12);
        boolean ok = relative <= tolerance;
        System.out.printf("%-40s max |diff| %.3e, relative to max |value| %.3e: %.2e %s%n", what, worst, scale,
                relative, ok ? "ok" : "DIFFERENT");
        return ok ? 0 : 1;
    }

    private static int time(int batch, int steps, int warmup) {
        Random random = new Random(1);
        float[] images = randomImages(random, batch);
        int[] labels = randomLabels(random, batch);
        try (OneDnnBaseline own = new OneDnnBaseline(batch, 10, 1e-4)) {
            for (String p : PARAMS) {
                float[] values = own.parameter(p);
                for (int i = 0; i < values.length; i++) {
                    values[i] = p.endsWith("_b") ? 0.1f : (float) (random.nextGaussian() * 0.05);
                }
            }
            double first = own.trainStep(images, labels);
            for (int s = 0; s < warmup; s++) {
                own.trainStep(images, labels);
            }
            long[] times = new long[steps];
            double last = 0;
            for (int s = 0; s < steps; s++) {
                long start = System.nanoTime();
                last = own.trainStep(images, labels);
                times[s] = System.nanoTime() - start;
            }
            Arrays.sort(times);
            double medianMs = times[steps / 2] / 1e6;
            System.out.printf("onednn baseline batch %d: median step %.2f ms, %.0f img/s (loss %.4f -> %.4f)%n",
                    batch, medianMs, batch * 1000 / medianMs, first, last);
            System.out.printf("RESULT baseline train_img_s=%.0f%n", batch * 1000 / medianMs);
        }
        return 0;
    }

    private static float[] randomImages(Random random, int batch) {
        float[] values = new float[batch * 24 * 24 * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static int[] randomLabels(Random random, int batch) {
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = random.nextInt(10);
        }
        return labels;
    }
}
