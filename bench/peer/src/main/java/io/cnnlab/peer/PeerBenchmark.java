package io.cnnlab.peer;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The PyTorch peer of the service's EngineBenchmark (issue 18): the same networks (PeerNetworks), batch, optimiser
 * (Adam at the recipe's learning rate), initialisation (truncated normal 0.1, bias 0.1), input (3x24x24) and thread
 * count (set by the JVM options in the pom and bench/peer-vs-engine.sh), timed the same way: training images/s from
 * the median step after a warm-up, the median of batch-128 and single-image inference passes. The layout is PyTorch's
 * channels-last, what its CPU performance guide asks of a convolutional network (see --channels-first): with plain
 * NCHW arrays PyTorch's oneDNN convolutions reorder every activation into a blocked layout and back, which took
 * 40-55 % of the oneDNN time of a training step, so the peer was a slow PyTorch.
 *
 * <p>Data: random standard-normal images and random labels made up front, a few batches cycled. The engine trains
 * on real CIFAR-10 through its pipeline (whose wait is under 1 % of a step); here only the copy of each batch into
 * a tensor is inside the step.
 *
 * <pre>
 * --networks a,b    which networks (default: all five)
 * --steps N         timed training steps per network (default 300)
 * --warmup N        untimed steps first (default 30)
 * --batch N         batch size (default 128)
 * --single-runs N   timed single-image inference passes (default 300, after 30 untimed)
 * --batch-runs N    timed batch-128 inference passes (default 40, after 5 untimed)
 * --phases          also print the median of each phase of a training step (copy of the batch into tensors,
 *                   forward with the loss, backward, optimiser step, release of the step's arrays), the median
 *                   step of the first and last quarter of the timed steps (does a step grow?) and the RSS then
 * --channels-first  hand the network its input as a plain NCHW array (the engine's layout). The default is
 *                   PyTorch's channels-last layout, as {@code x.to(memory_format=torch.channels_last)} gives it: an
 *                   NHWC array viewed as NCHW, so PyTorch's oneDNN convolutions keep the activations in NHWC through
 *                   the whole network instead of reordering them around every convolution; the same images, shapes,
 *                   parameters and arithmetic either way
 * </pre>
 *
 * <p>Every step's loss is read; the first step whose loss is not finite is reported (a NaN in a network that trains
 * normally elsewhere means the peer is wrong, not slow).
 */
public final class PeerBenchmark {

    private static final int CHANNELS = 3;
    private static final int CROP = 24;
    private static final int CLASSES = 10;
    private static final int DATA_BATCHES = 4;

    private PeerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Engine engine = Engine.getEngine("PyTorch");
        System.out.printf("# peer benchmark %s on %s%n", OffsetDateTime.now().withNano(0),
                InetAddress.getLocalHost().getHostName());
        System.out.printf("# %s %s via DJL %s; intra-op threads %d, inter-op threads %d; java %s; max heap %d MB%n",
                engine.getEngineName(), engine.getVersion(), Engine.getDjlVersion(), JniUtils.getNumThreads(),
                JniUtils.getNumInteropThreads(), Runtime.version(), Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("# %d warm-up + %d timed steps of batch %d per network, random data %dx%dx%d, %s%n",
                options.warmup, options.steps, options.batch, CHANNELS, CROP, CROP,
                options.channelsLast ? "channels last (NHWC strides)" : "channels first (NCHW)");
        engine.setRandomSeed(42);
        List<String> rows = new ArrayList<>();
        for (String name : options.networks) {
            rows.add(run(name, options));
        }
        System.out.println();
        System.out.println("| network | params | train img/s (median step) | infer 1 image ms (median) | "
                + "infer 128 batch ms (median) | infer img/s | RSS MB start -> end |");
        System.out.println("|---|---:|---:|---:|---:|---:|---|");
        rows.forEach(System.out::println);
    }

    private static String run(String name, Options options) {
        long rssStart = residentMegabytes();
        Shape inputShape = new Shape(options.batch, CHANNELS, CROP, CROP);
        try (Model model = Model.newInstance(name, Device.cpu(), "PyTorch")) {
            model.setBlock(PeerNetworks.create(name));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam()
                            .optLearningRateTracker(Tracker.fixed(PeerNetworks.learningRate(name))).build())
                    .optInitializer(new TruncatedNormalInitializer(0.1f), Parameter.Type.WEIGHT)
                    .optInitializer(new ConstantInitializer(0.1f), Parameter.Type.BIAS)
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(inputShape);
                long parameters = 0;
                for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
                    parameters += parameter.getValue().getArray().size();
                }
                System.out.printf("%n## %s: %,d params, Adam %.0e%n", name, parameters, PeerNetworks.learningRate(name));
                Random random = new Random(42);
                float[][] images = new float[DATA_BATCHES][];
                float[][] labels = new float[DATA_BATCHES][];
                for (int b = 0; b < DATA_BATCHES; b++) {
                    images[b] = inLayout(gaussian(random, (int) inputShape.size()), inputShape, options.channelsLast);
                    labels[b] = new float[options.batch];
                    for (int i = 0; i < options.batch; i++) {
                        labels[b][i] = random.nextInt(CLASSES);
                    }
                }
                long[] stepNanos = new long[options.steps];
                long[][] phaseNanos = new long[Phase.values().length][options.steps];
                float loss = Float.NaN;
                int firstNonFinite = -1;
                long rssTrainingStart = -1;
                for (int step = 0; step < options.warmup + options.steps; step++) {
                    if (step == options.warmup) {
                        rssTrainingStart = residentMegabytes();
                    }
                    long[] phases = new long[Phase.values().length];
                    long start = System.nanoTime();
                    loss = trainStep(trainer, inputShape, images[step % DATA_BATCHES], labels[step % DATA_BATCHES],
                            phases, options.channelsLast);
                    if (step >= options.warmup) {
                        stepNanos[step - options.warmup] = System.nanoTime() - start;
                        for (Phase phase : Phase.values()) {
                            phaseNanos[phase.ordinal()][step - options.warmup] = phases[phase.ordinal()];
                        }
                    }
                    if (firstNonFinite < 0 && !Float.isFinite(loss)) {
                        firstNonFinite = step;
                    }
                }
                double medianStep = median(stepNanos) / 1e9;
                double trainImagesPerSecond = options.batch / medianStep;
                double meanImagesPerSecond = options.batch * options.steps / (Arrays.stream(stepNanos).sum() / 1e9);
                System.out.printf("  training: median step %.1f ms = %.0f img/s (mean %.0f img/s), last loss %.3f%s%n",
                        medianStep * 1e3, trainImagesPerSecond, meanImagesPerSecond, loss,
                        firstNonFinite < 0 ? "" : ", first non-finite loss at step " + firstNonFinite);
                if (options.phases) {
                    printPhases(stepNanos, phaseNanos, rssTrainingStart);
                }

                ParameterStore inference = new ParameterStore(trainer.getManager(), false);
                Shape one = new Shape(1, CHANNELS, CROP, CROP);
                Shape full = new Shape(128, CHANNELS, CROP, CROP);
                double single = medianMillis(model.getBlock(), inference, trainer.getManager(),
                        inLayout(gaussian(random, (int) one.size()), one, options.channelsLast), one, 30,
                        options.singleRuns, options.channelsLast);
                double batched = medianMillis(model.getBlock(), inference, trainer.getManager(),
                        inLayout(gaussian(random, (int) full.size()), full, options.channelsLast), full, 5,
                        options.batchRuns, options.channelsLast);
                long rssEnd = residentMegabytes();
                System.out.printf("  inference: 1 image %.2f ms, batch of 128 %.1f ms (%.0f img/s); RSS %d -> %d MB%n",
                        single, batched, 128 / (batched / 1e3), rssStart, rssEnd);
                // one line for bench/peer-vs-engine.sh, the same keys as EngineBenchmark's
                System.out.printf("RESULT %s train_img_s=%.0f infer_img_s=%.0f single_ms=%.3f%n", name,
                        trainImagesPerSecond, 128 / (batched / 1e3), single);
                return "| %s | %,d | %.0f | %.2f | %.1f | %.0f | %d -> %d |".formatted(name, parameters,
                        trainImagesPerSecond, single, batched, 128 / (batched / 1e3), rssStart, rssEnd);
            }
        }
    }

    /** What a training step spends its time on, in the order they happen. */
    private enum Phase { COPY, FORWARD, BACKWARD, STEP, RELEASE }

    /**
     * One Adam step on a batch; every array the step makes lives in a manager closed at its end. PyTorch on the CPU
     * runs each operation before the call returns, so the clock between the calls is the time of each phase.
     */
    private static float trainStep(Trainer trainer, Shape inputShape, float[] images, float[] labels, long[] phases,
                                   boolean channelsLast) {
        long t0 = System.nanoTime();
        float loss;
        long t4;
        try (NDManager step = trainer.getManager().newSubManager()) {
            NDArray x = input(step, images, inputShape, channelsLast);
            NDArray y = step.create(labels);
            long t1 = System.nanoTime();
            long t2;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList predictions = trainer.forward(new NDList(x));
                NDArray value = trainer.getLoss().evaluate(new NDList(y), predictions);
                t2 = System.nanoTime();
                collector.backward(value);
                loss = value.getFloat();
            }
            long t3 = System.nanoTime();
            trainer.step();
            t4 = System.nanoTime();
            phases[Phase.COPY.ordinal()] = t1 - t0;
            phases[Phase.FORWARD.ordinal()] = t2 - t1;
            phases[Phase.BACKWARD.ordinal()] = t3 - t2;
            phases[Phase.STEP.ordinal()] = t4 - t3;
        }
        phases[Phase.RELEASE.ordinal()] = System.nanoTime() - t4;
        return loss;
    }

    private static void printPhases(long[] stepNanos, long[][] phaseNanos, long rssTrainingStart) {
        double step = median(stepNanos);
        StringBuilder line = new StringBuilder("  phases (median ms, share of the median step):");
        for (Phase phase : Phase.values()) {
            double phaseMedian = median(phaseNanos[phase.ordinal()]);
            line.append(String.format(" %s %.2f (%.0f %%)", phase.name().toLowerCase(), phaseMedian / 1e6,
                    100 * phaseMedian / step));
        }
        System.out.println(line);
        int quarter = Math.max(1, stepNanos.length / 4);
        System.out.printf("  median step, first quarter %.1f ms, last quarter %.1f ms; RSS %d MB after the warm-up, "
                        + "%d MB after the timed steps%n",
                median(Arrays.copyOfRange(stepNanos, 0, quarter)) / 1e6,
                median(Arrays.copyOfRange(stepNanos, stepNanos.length - quarter, stepNanos.length)) / 1e6,
                rssTrainingStart, residentMegabytes());
    }

    /** Inference mode (no autograd outside a GradientCollector, batch norm on its moving averages), softmax included. */
    private static double medianMillis(Block block, ParameterStore parameters, NDManager parent, float[] data, Shape shape,
                                       int warmup, int runs, boolean channelsLast) {
        long[] nanos = new long[runs];
        for (int i = 0; i < warmup + runs; i++) {
            long start = System.nanoTime();
            try (NDManager pass = parent.newSubManager()) {
                NDArray x = input(pass, data, shape, channelsLast);
                block.forward(parameters, new NDList(x), false).singletonOrThrow().softmax(-1);
            }
            if (i >= warmup) {
                nanos[i - warmup] = System.nanoTime() - start;
            }
        }
        return median(nanos) / 1e6;
    }

    /**
     * The batch as an NCHW array from data in {@link #inLayout}; channels last, an NHWC array seen through a permuted
     * view (the strides of PyTorch's channels-last format, no copy), so the network sees the same images either way.
     */
    private static NDArray input(NDManager manager, float[] data, Shape nchw, boolean channelsLast) {
        if (!channelsLast) {
            return manager.create(data, nchw);
        }
        Shape nhwc = new Shape(nchw.get(0), nchw.get(2), nchw.get(3), nchw.get(1));
        return manager.create(data, nhwc).transpose(0, 3, 1, 2);
    }

    /** NCHW data in the order {@link #input} reads it: unchanged, or rearranged to NHWC once, outside the timing. */
    private static float[] inLayout(float[] nchw, Shape shape, boolean channelsLast) {
        if (!channelsLast) {
            return nchw;
        }
        int n = (int) shape.get(0);
        int c = (int) shape.get(1);
        int hw = (int) (shape.get(2) * shape.get(3));
        float[] nhwc = new float[nchw.length];
        for (int image = 0; image < n; image++) {
            for (int channel = 0; channel < c; channel++) {
                for (int pixel = 0; pixel < hw; pixel++) {
                    nhwc[(image * hw + pixel) * c + channel] = nchw[(image * c + channel) * hw + pixel];
                }
            }
        }
        return nhwc;
    }

    private static float[] gaussian(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private static long residentMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private record Options(List<String> networks, int steps, int warmup, int batch, int singleRuns, int batchRuns,
                           boolean phases, boolean channelsLast) {

        static Options parse(String[] args) {
            List<String> networks = PeerNetworks.NAMES;
            int steps = 300;
            int warmup = 30;
            int batch = 128;
            int singleRuns = 300;
            int batchRuns = 40;
            boolean phases = false;
            boolean channelsLast = true;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--phases")) {
                    phases = true;
                    continue;
                }
                if (args[i].equals("--channels-first")) {
                    channelsLast = false;
                    continue;
                }
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--networks" -> networks = List.of(value.split(","));
                    case "--steps" -> steps = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--batch" -> batch = Integer.parseInt(value);
                    case "--single-runs" -> singleRuns = Integer.parseInt(value);
                    case "--batch-runs" -> batchRuns = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            return new Options(networks, steps, warmup, batch, singleRuns, batchRuns, phases, channelsLast);
        }
    }
}
