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
 * Classifies encoded images with a model version: decode and preprocess on the caller's thread (the same
 * {@link Preprocessing} as evaluation during training), then the model's runner batches and runs them.
 */
@Service
public class Classifier {

    private static final long TIMEOUT_SECONDS = 30;

    private final LoadedModels models;
    private final Preprocessing preprocessing;
    private final ImageDecoder decoder;
    private final InferenceProperties properties;

    Classifier(LoadedModels models, Preprocessing preprocessing, InferenceProperties properties) {
        this.models = models;
        this.preprocessing = preprocessing;
        this.properties = properties;
        this.decoder = new ImageDecoder(properties.maxPixels());
    }

    public Classification classify(ModelVersion version, List<byte[]> images, int topK) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no image in the request");
        }
        if (images.size() > properties.maxImagesPerRequest()) {
            throw new IllegalArgumentException("%d images in one request; at most %d (cnn.inference.max-images-per-request)"
                    .formatted(images.size(), properties.maxImagesPerRequest()));
        }
        int k = Math.max(1, Math.min(topK, version.labels().size()));
        int crop = preprocessing.crop();
        int inputSize = 3 * crop * crop;
        float[] inputs = new float[images.size() * inputSize];
        for (int i = 0; i < images.size(); i++) {
            byte[] planes = decoder.decode(images.get(i));
            preprocessing.centre(planes, 0, 3, ImageDecoder.SIDE, ImageDecoder.SIDE, inputs, i * inputSize);
        }
        float[][] probabilities;
        try {
            probabilities = models.runner(version).submit(inputs, images.size()).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OverloadedException("interrupted while waiting for the model");
        } catch (TimeoutException e) {
            throw new OverloadedException("the model did not answer within %d s".formatted(TIMEOUT_SECONDS));
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        List<List<Prediction>> all = new ArrayList<>();
        for (float[] row : probabilities) {
            all.add(topK(row, version.labels(), k));
        }
        return new Classification(version.name(), version.version(), all);
    }

    static List<Prediction> topK(float[] probabilities, List<String> labels, int k) {
        List<Prediction> ranked = new ArrayList<>();
        for (int i = 0; i < probabilities.length; i++) {
            ranked.add(new Prediction(i < labels.size() ? labels.get(i) : String.valueOf(i), i, probabilities[i]));
        }
        ranked.sort(Comparator.comparingDouble(Prediction::probability).reversed());
        return List.copyOf(ranked.subList(0, Math.min(k, ranked.size())));
    }
}
