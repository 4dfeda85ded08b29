package io.cnnlab.inference;

import io.cnnlab.datasets.Preprocessing;
import io.cnnlab.models.ModelVersion;
import io.cnnlab.networks.InputDescription;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The one pipeline: sizes refused before anything is allocated, a bounded wait for a decode slot, three forms alike. */
class ClassifierTest {

    private static final ComputationGraph NET = ServingFixtures.network();
    private static final InputDescription IN = InputDescription.SEED;
    private static final ModelVersion VERSION = ServingFixtures.version("cats", 1);

    private LoadedModels models;

    private Classifier classifier(int decodeThreads, Duration decodeWait) {
        models = new LoadedModels(ServingFixtures.properties(4, decodeThreads, decodeWait), version -> NET.clone());
        InferenceProperties properties = ServingFixtures.properties(4, decodeThreads, decodeWait);
        return new Classifier(models, new Preprocessing(IN.crop()), properties,
                new InferenceMetrics(new SimpleMeterRegistry(), models));
    }

    @AfterEach
    void close() {
        models.close();
    }

    /** Values that fail the test if anything reads them: the declared shape alone must be refused. */
    private static final Images.Values UNTOUCHABLE = new Images.Values() {
        @Override
        public long count() {
            throw new AssertionError("the data was walked before the shape was checked");
        }

        @Override
        public void forEach(DoubleConsumer each) {
            throw new AssertionError("the data was read before the shape was checked");
        }
    };

    @Test
    void declaredSizesAreRefusedBeforeAnythingIsReadOrAllocated() {
        Classifier classifier = classifier(1, Duration.ofSeconds(2));

        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Pixels(List.of(100_000L, 32L, 32L, 3L), UNTOUCHABLE), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("100000 images").hasMessageContaining("at most 64");
        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Tensor(List.of(100_000L, 24L, 24L, 3L), UNTOUCHABLE), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("100000 images");
        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Tensor(List.of(1L, 32L, 32L, 3L), UNTOUCHABLE), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("[1, 24, 24, 3]");
        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Pixels(List.of(1L, 32L, 32L), UNTOUCHABLE), false))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Pixels(List.of(2L, 32L, 32L, 3L), values(new double[5])), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("has 5 values").hasMessageContaining("6144");
        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Encoded(100_000, source(null, 1)), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("100000 images");
        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Encoded(1, source(null, 5L << 30)), false))
                .isInstanceOf(InputTooLargeException.class).hasMessageContaining("max-upload-bytes");
        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Encoded(0, source(null, 1)), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no image");
        assertThat(models.loaded()).as("nothing was loaded for a refused request").isZero();

        // values are checked as they are converted, into an array of the checked size
        assertThatThrownBy(() -> classifier.probabilities(VERSION, new Images.Pixels(List.of(1L, 32L, 32L, 3L), values(filled(IN.bytesPerImage(), 256))), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("0..255");
    }

    @Test
    void anEncodedImageRawPixelsAndAPreprocessedTensorGiveTheSameProbabilities() throws Exception {
        Classifier classifier = classifier(1, Duration.ofSeconds(2));
        BufferedImage image = new BufferedImage(IN.side(), IN.side(), BufferedImage.TYPE_INT_RGB);
        double[] nhwc = new double[IN.bytesPerImage()];
        byte[] planes = new byte[IN.bytesPerImage()];
        int area = IN.side() * IN.side();
        for (int y = 0; y < IN.side(); y++) {
            for (int x = 0; x < IN.side(); x++) {
                int r = (x * 8) & 0xFF, g = (y * 8) & 0xFF, b = ((x + y) * 4) & 0xFF;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
                int p = y * IN.side() + x;
                int[] rgb = {r, g, b};
                for (int c = 0; c < 3; c++) {
                    nhwc[p * 3 + c] = rgb[c];
                    planes[c * area + p] = (byte) rgb[c];
                }
            }
        }
        float[] nchw = new float[IN.floatsPerImage()];
        new Preprocessing(IN.crop()).centre(planes, 0, 3, IN.side(), IN.side(), nchw, 0);
        double[] tensor = new double[IN.floatsPerImage()];
        int crop = IN.crop();
        for (int y = 0; y < crop; y++) {
            for (int x = 0; x < crop; x++) {
                for (int c = 0; c < 3; c++) {
                    tensor[(y * crop + x) * 3 + c] = nchw[(c * crop + y) * crop + x];
                }
            }
        }

        float[] fromImage = classifier.probabilities(VERSION, Images.encoded(List.of(png(image))), false)[0];
        float[] fromPixels = classifier.probabilities(VERSION, new Images.Pixels(List.of(1L, 32L, 32L, 3L), values(nhwc)), false)[0];
        float[] fromTensor = classifier.probabilities(VERSION, new Images.Tensor(List.of(1L, 24L, 24L, 3L), values(tensor)), false)[0];

        for (int i = 0; i < 10; i++) {
            assertThat(fromPixels[i]).isCloseTo(fromImage[i], within(1e-6f));
            assertThat(fromTensor[i]).isCloseTo(fromImage[i], within(1e-6f));
        }
    }

    @Test
    void aRequestThatFindsNoDecodeSlotWithinTheBoundIsOverloaded() throws Exception {
        Classifier classifier = classifier(1, Duration.ofMillis(300));
        byte[] png = png(new BufferedImage(IN.side(), IN.side(), BufferedImage.TYPE_INT_RGB));
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // the first request holds the only slot while its image is being read
        CompletableFuture<float[][]> holder = CompletableFuture.supplyAsync(() -> classifier.probabilities(VERSION,
                new Images.Encoded(1, new Images.EncodedSource() {
                    @Override
                    public long declaredBytes(int index) {
                        return png.length;
                    }

                    @Override
                    public byte[] read(int index) {
                        reading.countDown();
                        try {
                            assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return png;
                    }
                }), false));
        assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();

        long start = System.nanoTime();
        assertThatThrownBy(() -> classifier.probabilities(VERSION, Images.encoded(List.of(png)), false))
                .isInstanceOf(OverloadedException.class).hasMessageContaining("cnn.inference.decode-wait");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(10));

        release.countDown();
        assertThat(holder.get(30, TimeUnit.SECONDS)).hasDimensions(1, 10);
        assertThat(classifier.probabilities(VERSION, Images.encoded(List.of(png)), false)).hasDimensions(1, 10);
    }

    private static Images.Values values(double[] numbers) {
        return new Images.Values() {
            @Override
            public long count() {
                return numbers.length;
            }

            @Override
            public void forEach(DoubleConsumer each) {
                for (double v : numbers) {
                    each.accept(v);
                }
            }
        };
    }

    private static double[] filled(int n, double value) {
        double[] values = new double[n];
        java.util.Arrays.fill(values, value);
        return values;
    }

    private static Images.EncodedSource source(byte[] bytes, long declared) {
        return new Images.EncodedSource() {
            @Override
            public long declaredBytes(int index) {
                return declared;
            }

            @Override
            public byte[] read(int index) {
                if (bytes == null) {
                    throw new AssertionError("read before its declared size was checked");
                }
                return bytes;
            }
        };
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "png", out)).isTrue();
        return out.toByteArray();
    }
}
