package io.cnnlab.inference;

import io.cnnlab.datasets.ImageDecoder;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.InputDescription;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The one serving pipeline: every classification (REST classify in its three body forms, V2 infer in its three
 * datatypes) comes here as {@link Images}. In this order: every declared size is checked against the limits, the
 * model version is loaded if it is not (outside any decode slot), a decode slot is taken (bounded wait), the images
 * are decoded or converted to the network's input with the same {@link Preprocessing} as evaluation during training,
 * optionally beside their mirror images, and the model's runner batches them with other requests'. Every outcome is
 * counted and timed.
 */
@Service
public class Classifier {

    private static final long TIMEOUT_SECONDS = 30;

    private final LoadedModels models;
    private final Preprocessing preprocessing;
    private final ImageDecoder decoder;
    private final InferenceProperties properties;
    private final InferenceMetrics metrics;
    private final InputDescription input = InputDescription.SEED;
    private final Semaphore decoding;

    Classifier(LoadedModels models, Preprocessing preprocessing, InferenceProperties properties, InferenceMetrics metrics) {
        this.models = models;
        this.preprocessing = preprocessing;
        this.properties = properties;
        this.metrics = metrics;
        this.decoder = new ImageDecoder(properties.maxPixels());
        this.decoding = new Semaphore(properties.effectiveDecodeThreads());
    }

    /** Loads a version (if it is not loaded yet) so requests that switch to it find it warm. */
    public void warm(ModelVersion version) {
        models.runner(version);
    }

    /** Whether the version is loaded or can be: its file is present and matches its recorded sha256. */
    public boolean ready(ModelVersion version) {
        return models.ready(version);
    }

    /** What the models take: the shapes the V2 metadata publishes. */
    public InputDescription input() {
        return input;
    }

    /**
     * @param flipAveraged also run each image mirrored left to right and average the two probability rows
     *                     (test-time augmentation, twice the work per image)
     */
    public Classification classify(ModelVersion version, Images images, int topK, boolean flipAveraged) {
        float[][] rows = probabilities(version, images, flipAveraged);
        List<List<Prediction>> all = new ArrayList<>();
        for (float[] row : rows) {
            all.add(topK(row, version.labels(), topK));
        }
        return new Classification(version.name(), version.version(), all);
    }

    /** Class probabilities, one row per image, in request order. */
    public float[][] probabilities(ModelVersion version, Images images, boolean flipAveraged) {
        return measured(version, () -> {
            int n = checked(images);
            ModelRunner runner = models.runner(version);
            admit();
            float[] inputs;
            // the runner hears of the request only now: it waits for images being decoded, never for requests
            // queued behind the decode slots
            ModelRunner.Arrival arrival = runner.expect();
            try {
                inputs = networkInputs(images, n);
                if (flipAveraged) {
                    inputs = FlipAveraging.withMirrors(preprocessing, inputs, n, input);
                }
            } catch (RuntimeException e) {
                arrival.close();
                throw e;
            } finally {
                decoding.release();
            }
            int rows = flipAveraged ? 2 * n : n;
            CompletableFuture<float[][]> result;
            try {
                result = arrival.submit(inputs, rows);
            } catch (ModelRunner.ClosedException e) {
                // the version was unloaded (another took its place) while these images were decoded: load it again
                result = models.runner(version).submit(inputs, rows);
            }
            float[][] probabilities = await(result);
            return flipAveraged ? FlipAveraging.averaged(probabilities, n) : probabilities;
        });
    }

    /** Count, shape, data length and declared image sizes, before anything is allocated for them. */
    private int checked(Images images) {
        if (images instanceof Images.Encoded encoded) {
            int n = checkCount(encoded.count());
            for (int i = 0; i < n; i++) {
                checkSize(i, encoded.source().declaredBytes(i));
            }
            return n;
        }
        if (images instanceof Images.Pixels pixels) {
            return checkTensor("UINT8", pixels.shape(), pixels.values(), input.side(), input.bytesPerImage());
        }
        Images.Tensor tensor = (Images.Tensor) images;
        return checkTensor("FP32", tensor.shape(), tensor.values(), input.crop(), input.floatsPerImage());
    }

    private int checkTensor(String datatype, List<Long> shape, Images.Values values, int side, int perImage) {
        if (shape == null || shape.size() != 4 || shape.stream().anyMatch(java.util.Objects::isNull)) {
            throw new InvalidInputException("%s input must have shape [N,%d,%d,%d], was %s"
                    .formatted(datatype, side, side, input.channels(), shape));
        }
        int n = checkCount(shape.get(0));
        List<Long> expected = List.of((long) n, (long) side, (long) side, (long) input.channels());
        if (!expected.equals(shape)) {
            throw new InvalidInputException("%s input must have shape %s, was %s".formatted(datatype, expected, shape));
        }
        long count = values.count();
        if (count != (long) n * perImage) {
            throw new InvalidInputException("input data has %d values, its shape %s needs %d"
                    .formatted(count, shape, (long) n * perImage));
        }
        return n;
    }

    private int checkCount(long images) {
        if (images < 1) {
            throw new InvalidInputException("no image in the request");
        }
        if (images > properties.maxImagesPerRequest()) {
            throw new InvalidInputException("%d images in one request; at most %d (cnn.inference.max-images-per-request)"
                    .formatted(images, properties.maxImagesPerRequest()));
        }
        return (int) images;
    }

    private void checkSize(int index, long bytes) {
        long max = properties.maxUploadBytes().toBytes();
        if (bytes > max) {
            throw new InputTooLargeException("image %d is %d bytes; at most %d are accepted (cnn.inference.max-upload-bytes)"
                    .formatted(index, bytes, max));
        }
    }

    /**
     * Decoding is CPU work: admitted one request per core, so that many clients cannot make the model's runner thread
     * one runnable thread among dozens (what it changed: docs/performance.md, "Serving"). The wait is bounded: a client
     * behind slow images hears 503 and retries rather than holding its connection.
     */
    private void admit() {
        try {
            if (!decoding.tryAcquire(properties.decodeWait().toNanos(), TimeUnit.NANOSECONDS)) {
                throw new OverloadedException("no decode slot was free within %d ms (cnn.inference.decode-wait); retry shortly"
                        .formatted(properties.decodeWait().toMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OverloadedException("interrupted while waiting to decode");
        }
    }

    /** {@code n} checked images as preprocessed network input (NCHW), back to back. */
    private float[] networkInputs(Images images, int n) {
        if (images instanceof Images.Tensor tensor) {
            return Layouts.channelsFirst(tensor.values(), n, input);
        }
        float[] inputs = new float[n * input.floatsPerImage()];
        if (images instanceof Images.Pixels pixels) {
            byte[] planes = Layouts.planes(pixels.values(), n, input);
            for (int i = 0; i < n; i++) {
                centre(planes, i * input.bytesPerImage(), inputs, i);
            }
            return inputs;
        }
        Images.EncodedSource source = ((Images.Encoded) images).source();
        for (int i = 0; i < n; i++) {
            byte[] encoded;
            try {
                encoded = source.read(i);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            checkSize(i, encoded.length);
            centre(decoder.decode(encoded), 0, inputs, i);
        }
        return inputs;
    }

    private void centre(byte[] planes, int offset, float[] inputs, int index) {
        preprocessing.centre(planes, offset, input.channels(), input.side(), input.side(), inputs,
                index * input.floatsPerImage());
    }

    private static float[][] await(CompletableFuture<float[][]> result) {
        try {
            return result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OverloadedException("interrupted while waiting for the model");
        } catch (TimeoutException e) {
            throw new OverloadedException("the model did not answer within %d s".formatted(TIMEOUT_SECONDS));
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private <T> T measured(ModelVersion version, Supplier<T> work) {
        long start = System.nanoTime();
        String outcome = "error";
        try {
            T result = work.get();
            outcome = "ok";
            return result;
        } catch (OverloadedException e) {
            outcome = "overloaded";
            throw e;
        } catch (InvalidInputException | InputTooLargeException | ImageDecoder.UnusableImageException e) {
            outcome = "rejected";
            throw e;
        } finally {
            metrics.request(version.name(), outcome, System.nanoTime() - start);
        }
    }

    public static List<Prediction> topK(float[] probabilities, List<String> labels, int k) {
        List<Prediction> ranked = new ArrayList<>();
        for (int i = 0; i < probabilities.length; i++) {
            ranked.add(new Prediction(i < labels.size() ? labels.get(i) : String.valueOf(i), i, probabilities[i]));
        }
        ranked.sort(Comparator.comparingDouble(Prediction::probability).reversed());
        return List.copyOf(ranked.subList(0, Math.max(1, Math.min(k, ranked.size()))));
    }
}
