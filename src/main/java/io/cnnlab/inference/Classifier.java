package io.cnnlab.inference;

import io.cnnlab.datasets.ImageDecoder;
import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.models.ModelVersion;
import org.springframework.stereotype.Service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Classifies images with a model version: decode and preprocess on the caller's thread (the same
 * {@link Preprocessing} as evaluation during training), then the model's runner batches and runs them. Images come
 * encoded (REST, V2 BYTES), as raw 32x32 pixels (V2 UINT8) or already preprocessed (V2 FP32).
 */
@Service
public class Classifier {

    private static final long TIMEOUT_SECONDS = 30;

    private final LoadedModels models;
    private final Preprocessing preprocessing;
    private final ImageDecoder decoder;
    private final InferenceProperties properties;
    private final InferenceMetrics metrics;
    private final java.util.concurrent.Semaphore decoding;

    Classifier(LoadedModels models, Preprocessing preprocessing, InferenceProperties properties, InferenceMetrics metrics) {
        this.models = models;
        this.preprocessing = preprocessing;
        this.properties = properties;
        this.metrics = metrics;
        this.decoder = new ImageDecoder(properties.maxPixels());
        this.decoding = new java.util.concurrent.Semaphore(properties.effectiveDecodeThreads());
    }

    /** Loads a version (if it is not loaded yet) so requests that switch to it find it warm. */
    public void warm(ModelVersion version) {
        models.runner(version);
    }

    /** Floats per preprocessed image (channels x crop x crop). */
    public int inputSize() {
        return 3 * preprocessing.crop() * preprocessing.crop();
    }

    public int crop() {
        return preprocessing.crop();
    }

    /** Encoded images (PNG, JPEG, ...) to their top-k classes. */
    public Classification classify(ModelVersion version, List<byte[]> images, int topK) {
        return classify(version, images, topK, false);
    }

    /**
     * @param flipAveraged also run each image mirrored left to right and average the two probability rows
     *                     (test-time augmentation, twice the work per image)
     */
    public Classification classify(ModelVersion version, List<byte[]> images, int topK, boolean flipAveraged) {
        return measured(version, () -> {
            checkCount(images.size());
            int n = images.size();
            float[][] rows;
            float[] inputs = new float[(flipAveraged ? 2 : 1) * n * inputSize()];
            try (ModelRunner.Arrival arrival = decodeInto(models.runner(version), images, inputs)) {
                if (flipAveraged) {
                    float[] originals = java.util.Arrays.copyOf(inputs, n * inputSize());
                    System.arraycopy(preprocessing.mirrored(originals, 3), 0, inputs, n * inputSize(), n * inputSize());
                }
                rows = await(arrival.submit(inputs, (flipAveraged ? 2 : 1) * n));
            }
            if (flipAveraged) {
                float[][] plain = java.util.Arrays.copyOf(rows, n);
                io.cnnlab.training.Evaluator.average(plain, java.util.Arrays.copyOfRange(rows, n, 2 * n));
                rows = plain;
            }
            List<List<Prediction>> all = new ArrayList<>();
            for (float[] row : rows) {
                all.add(topK(row, version.labels(), topK));
            }
            return new Classification(version.name(), version.version(), all);
        });
    }

    /**
     * Decoding is CPU work: admitted one request per core, so that many clients cannot make the model's runner thread
     * one runnable thread among dozens (what it changed: docs/performance.md, "Serving").
     */
    private ModelRunner.Arrival decodeInto(ModelRunner runner, List<byte[]> images, float[] inputs) {
        try {
            decoding.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OverloadedException("interrupted while waiting to decode");
        }
        // the runner hears of the request only now: it waits for images being decoded, never for requests
        // queued behind the permits
        ModelRunner.Arrival arrival = runner.expect();
        try {
            for (int i = 0; i < images.size(); i++) {
                preprocessPixels(decoder.decode(images.get(i)), inputs, i);
            }
            return arrival;
        } catch (RuntimeException e) {
            arrival.close();
            throw e;
        } finally {
            decoding.release();
        }
    }

    /** Encoded image to the 32x32 RGB planes preprocessing takes. */
    public byte[] decode(byte[] encoded) {
        return decoder.decode(encoded);
    }

    /** 32x32 RGB planes into slot {@code index} of a batch of network inputs (centre crop, standardised). */
    public void preprocessPixels(byte[] planes, float[] inputs, int index) {
        preprocessing.centre(planes, 0, 3, ImageDecoder.SIDE, ImageDecoder.SIDE, inputs, index * inputSize());
    }

    /** Network inputs (NCHW, preprocessed) to class probabilities, one row per image. */
    public float[][] probabilities(ModelVersion version, float[] inputs, int images) {
        return measured(version, () -> {
            checkCount(images);
            return run(version, inputs, images);
        });
    }

    private float[][] run(ModelVersion version, float[] inputs, int images) {
        return await(models.runner(version).submit(inputs, images));
    }

    private static float[][] await(java.util.concurrent.CompletableFuture<float[][]> result) {
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

    private void checkCount(int images) {
        if (images < 1) {
            throw new IllegalArgumentException("no image in the request");
        }
        if (images > properties.maxImagesPerRequest()) {
            throw new IllegalArgumentException("%d images in one request; at most %d (cnn.inference.max-images-per-request)"
                    .formatted(images, properties.maxImagesPerRequest()));
        }
    }

    private <T> T measured(ModelVersion version, java.util.function.Supplier<T> work) {
        long start = System.nanoTime();
        String outcome = "error";
        try {
            T result = work.get();
            outcome = "ok";
            return result;
        } catch (OverloadedException e) {
            outcome = "overloaded";
            throw e;
        } catch (IllegalArgumentException | ImageDecoder.UnusableImageException e) {
            outcome = "rejected";
            throw e;
        } finally {
            metrics.request(version.name(), version.version(), outcome, System.nanoTime() - start);
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
