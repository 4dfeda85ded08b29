package io.cnnlab.benchmark;

import io.cnnlab.networks.InputDescription;
import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.NetworkCost;
import io.cnnlab.datasets.Cifar10;
import io.cnnlab.datasets.Cifar10Reader;
import io.cnnlab.datasets.LabelledImages;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.nativeruntime.NativeBackend;
import io.cnnlab.onednn.OneDnnInference;
import io.cnnlab.training.EpochMetrics;
import io.cnnlab.evaluation.Evaluator;
import io.cnnlab.training.NetworkSnapshot;
import io.cnnlab.training.Networks;
import io.cnnlab.training.StepProgress;
import io.cnnlab.training.Trainer;
import io.cnnlab.training.TrainingListener;
import io.cnnlab.training.TrainingOutcome;
import io.cnnlab.training.TrainingPlan;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trains each network for a fixed number of steps on real CIFAR-10 and prints what it costs: parameters, MACs,
 * training images/s (median step), the input pipeline's wait share, inference latency, and resident memory.
 * Not a test: a measurement to run by hand (docs/performance.md, "Training engine").
 *
 * <pre>
 * --data DIR        CIFAR-10 directory (required)
 * --steps N         timed training steps per network (default 300)
 * --warmup N        untimed steps first (default 30)
 * --batch N         batch size (default 128)
 * --networks a,b    which networks (default: all)
 * --rss-every N     print resident memory every N steps (default 0: only at the end)
 * --epochs N        instead: train each network N full epochs and print the per-epoch metrics
 * --test-images N   evaluate on the first N test images only (default: all 10,000)
 * --single-runs N   timed single-image inference passes (default 300, after 30 untimed)
 * --batch-runs N    timed batch-128 inference passes (default 40, after 5 untimed)
 * --engine E        onednn (default: training and inference on the oneDNN engine where it runs the network, as the
 *                   service does) or dl4j (DL4J's own fit and output, the "before" of issue 18)
 * </pre>
 */
public final class EngineBenchmark {

    private EngineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        var backend = NativeBackend.activate();
        System.out.printf("# engine benchmark %s on %s%n", OffsetDateTime.now().withNano(0), InetAddress.getLocalHost().getHostName());
        System.out.printf("# %s; java %s; max heap %d MB%n", backend.summary(), Runtime.version(),
                Runtime.getRuntime().maxMemory() >> 20);
        long loadStart = System.nanoTime();
        Cifar10 cifar = Cifar10Reader.read(options.data);
        System.out.printf("# CIFAR-10 from %s: %d train, %d test images, read in %.1f s%n", options.data,
                cifar.train().size(), cifar.test().size(), (System.nanoTime() - loadStart) / 1e9);
        System.out.printf("# %d warm-up + %d timed steps of batch %d per network, full pipeline (augmentation on)%n",
                options.warmup, options.steps, options.batch);

        Architectures architectures = Architectures.offered();
        if (options.epochs > 0) {
            for (String name : options.networks.isEmpty() ? architectures.names() : options.networks) {
                epochs(architectures.get(name), cifar, options);
            }
            return;
        }
        List<String> rows = new ArrayList<>();
        for (String name : options.networks.isEmpty() ? architectures.names() : options.networks) {
            rows.add(run(architectures.get(name), cifar, options));
        }
        System.out.println();
        System.out.println("| network | params | MACs/image | train img/s (median step) | data wait | "
                + "infer 1 image ms (median) | infer 128 batch ms (median) | infer img/s | test acc after run | RSS MB start -> end |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        rows.forEach(System.out::println);
    }

    private static String run(Architecture architecture, Cifar10 cifar, Options options) throws InterruptedException {
        NetworkCost cost = architecture.cost();
        TrainingPlan plan = TrainingPlan.seedDefaults(architecture).withBatchSize(options.batch)
                .withMaxSteps((long) options.warmup + options.steps);
        long rssStart = residentMegabytes();
        ComputationGraph net = Networks.create(architecture, plan);
        Preprocessing preprocessing = new Preprocessing(InputDescription.SEED.crop());
        Trainer trainer = new Trainer(preprocessing, new Evaluator(preprocessing, 500), options.oneDnn);
        long[] stepNanos = new long[options.steps];
        TrainingListener timing = new TrainingListener() {
            private long last = System.nanoTime();

            @Override
            public void onStep(StepProgress progress, NetworkSnapshot snapshot) {
                long now = System.nanoTime();
                long index = progress.step() - 1 - options.warmup;
                if (index >= 0) {
                    stepNanos[(int) index] = now - last;
                }
                if (options.rssEvery > 0 && progress.step() % options.rssEvery == 0) {
                    System.out.printf("  %s step %d: RSS %d MB, loss %.3f%n", architecture.name(), progress.step(),
                            residentMegabytes(), progress.loss());
                }
                last = now;
            }
        };
        System.out.printf("%n## %s: %,d params, %,d MACs/image%n", architecture.name(), cost.parameters(), cost.macs());
        TrainingOutcome outcome = trainer.train(net, plan, cifar.train(), options.test(cifar), timing, () -> false);
        EpochMetrics last = outcome.epochs().get(outcome.epochs().size() - 1);
        double medianStep = median(stepNanos) / 1e9;
        double trainImagesPerSecond = options.batch / medianStep;
        System.out.printf("  training: median step %.1f ms = %.0f img/s (mean %.0f img/s), data wait %.2f %% of training time%n",
                medianStep * 1e3, trainImagesPerSecond, last.imagesPerSecond(), last.dataWaitShare() * 100);

        INDArray one = Nd4j.rand(DataType.FLOAT, InputDescription.SEED.batchShape(1));
        INDArray batch = Nd4j.rand(DataType.FLOAT, InputDescription.SEED.batchShape(128));
        // inference as serving runs it: on the oneDNN engine where it runs the network
        OneDnnInference engine = options.oneDnn ? OneDnnInference.of(net, InputDescription.SEED.inputType()).engine() : null;
        System.out.printf("  inference on %s%n", engine != null ? "the oneDNN engine" : "DL4J");
        float[] oneImage = one.data().asFloat();
        float[] batchImages = batch.data().asFloat();
        double single = medianMillis(engine != null ? () -> engine.output(oneImage, 1)
                : () -> net.outputSingle(false, one).close(), 30, options.singleRuns);
        double batched = medianMillis(engine != null ? () -> engine.output(batchImages, 128)
                : () -> net.outputSingle(false, batch).close(), 5, options.batchRuns);
        if (engine != null) {
            engine.close();
        }
        long rssEnd = residentMegabytes();
        System.out.printf("  inference: 1 image %.2f ms, batch of 128 %.1f ms (%.0f img/s); test accuracy after the run %.4f; RSS %d -> %d MB%n",
                single, batched, 128 / (batched / 1e3), last.testAccuracy(), rssStart, rssEnd);
        // one line for bench/peer-vs-engine.sh, the same keys as the PyTorch peer's (bench/peer)
        System.out.printf("RESULT %s train_img_s=%.0f infer_img_s=%.0f single_ms=%.3f%n", architecture.name(),
                trainImagesPerSecond, 128 / (batched / 1e3), single);
        return "| %s | %,d | %,d | %.0f | %.2f %% | %.2f | %.1f | %.0f | %.4f | %d -> %d |".formatted(
                architecture.name(), cost.parameters(), cost.macs(), trainImagesPerSecond, last.dataWaitShare() * 100,
                single, batched, 128 / (batched / 1e3), last.testAccuracy(), rssStart, rssEnd);
    }

    private static void epochs(Architecture architecture, Cifar10 cifar, Options options) throws InterruptedException {
        TrainingPlan plan = TrainingPlan.seedDefaults(architecture).withBatchSize(options.batch)
                .withEpochs(options.epochs);
        ComputationGraph net = Networks.create(architecture, plan);
        Preprocessing preprocessing = new Preprocessing(InputDescription.SEED.crop());
        Trainer trainer = new Trainer(preprocessing, new Evaluator(preprocessing, 500), options.oneDnn);
        System.out.printf("%n## %s, %d epochs of %d steps%n", architecture.name(), options.epochs,
                cifar.train().size() / options.batch);
        System.out.println("| epoch | step | train loss | train acc | test loss | test acc | img/s | seconds | data wait | RSS MB |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        trainer.train(net, plan, cifar.train(), cifar.test(), new TrainingListener() {
            @Override
            public void onEpoch(EpochMetrics m, NetworkSnapshot snapshot) {
                System.out.printf("| %d | %d | %.4f | %.4f | %.4f | %.4f | %.0f | %.1f | %.2f %% | %d |%n", m.epoch(),
                        m.step(), m.trainLoss(), m.trainAccuracy(), m.testLoss(), m.testAccuracy(),
                        m.imagesPerSecond(), m.seconds(), m.dataWaitShare() * 100, residentMegabytes());
            }
        }, () -> false);
    }

    private static double medianMillis(Runnable pass, int warmup, int runs) {
        for (int i = 0; i < warmup; i++) {
            pass.run();
        }
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            pass.run();
            nanos[i] = System.nanoTime() - start;
        }
        return median(nanos) / 1e6;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    static long residentMegabytes() {
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

    private record Options(Path data, int steps, int warmup, int batch, List<String> networks, int rssEvery,
                           int epochs, int testImages, int singleRuns, int batchRuns, boolean oneDnn) {

        LabelledImages test(Cifar10 cifar) {
            return testImages > 0 ? cifar.test().head(Math.min(testImages, cifar.test().size())) : cifar.test();
        }

        static Options parse(String[] args) {
            Path data = null;
            int steps = 300;
            int warmup = 30;
            int batch = 128;
            int rssEvery = 0;
            boolean oneDnn = true;
            int epochs = 0;
            int testImages = 0;
            int singleRuns = 300;
            int batchRuns = 40;
            List<String> networks = List.of();
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--data" -> data = Path.of(value);
                    case "--steps" -> steps = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--batch" -> batch = Integer.parseInt(value);
                    case "--networks" -> networks = List.of(value.split(","));
                    case "--rss-every" -> rssEvery = Integer.parseInt(value);
                    case "--epochs" -> epochs = Integer.parseInt(value);
                    case "--test-images" -> testImages = Integer.parseInt(value);
                    case "--single-runs" -> singleRuns = Integer.parseInt(value);
                    case "--batch-runs" -> batchRuns = Integer.parseInt(value);
                    case "--engine" -> oneDnn = switch (value) {
                        case "onednn" -> true;
                        case "dl4j" -> false;
                        default -> throw new IllegalArgumentException("--engine is onednn or dl4j, not " + value);
                    };
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            if (data == null) {
                throw new IllegalArgumentException("--data DIR is required (a CIFAR-10 binary directory)");
            }
            return new Options(data, steps, warmup, batch, networks, rssEvery, epochs, testImages, singleRuns, batchRuns,
                    oneDnn);
        }
    }
}
