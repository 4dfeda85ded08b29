package io.cnnlab.datasets;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PreprocessingTest {

    private final Preprocessing preprocessing = new Preprocessing(24);

    /** A 3x32x32 image whose pixel value encodes its column (x * 7 + channel) so crops can be located. */
    private static byte[] columnCoded() {
        byte[] image = new byte[3 * 32 * 32];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    image[c * 1024 + y * 32 + x] = (byte) (x * 7 + c + y);
                }
            }
        }
        return image;
    }

    @Test
    void centreCropStartsAtFourFourAndIsStandardised() {
        byte[] image = columnCoded();
        float[] out = new float[3 * 24 * 24];

        preprocessing.centre(image, 0, 3, 32, 32, out, 0);

        assertStandardised(out);
        // the column order is kept and the first column is x = 4: values increase left to right in every row
        for (int x = 1; x < 24; x++) {
            assertThat(out[x]).isGreaterThan(out[x - 1]);
        }
        // same crop as the augmentation with everything switched off
        float[] plain = new float[out.length];
        preprocessing.augment(image, 0, 3, 32, 32, Augmentation.none(), new SplittableRandom(1), plain, 0);
        assertThat(plain).containsExactly(out);
    }

    @Test
    void mirroredInputsAreTheCentreCropOfTheMirroredPicture() {
        byte[] image = columnCoded();
        byte[] mirroredPicture = new byte[image.length];
        for (int row = 0; row < 3 * 32; row++) {
            for (int x = 0; x < 32; x++) {
                mirroredPicture[row * 32 + x] = image[row * 32 + 31 - x];
            }
        }
        float[] two = new float[2 * 3 * 24 * 24];
        preprocessing.centre(image, 0, 3, 32, 32, two, 0);
        preprocessing.centre(mirroredPicture, 0, 3, 32, 32, two, 3 * 24 * 24);
        float[] expected = new float[two.length];
        preprocessing.centre(mirroredPicture, 0, 3, 32, 32, expected, 0);
        preprocessing.centre(image, 0, 3, 32, 32, expected, 3 * 24 * 24);

        float[] mirrored = preprocessing.mirrored(two, 3);

        assertThat(mirrored).containsExactly(expected, within(1e-6f));
        assertThat(preprocessing.mirrored(mirrored, 3)).containsExactly(two);
    }

    @Test
    void randomCropsAreWholeWindowsInsideTheImageAtAllEightyOnePositions() {
        // red = 7y, green = 7x, blue = 0: standardisation is one affine map per image, so with step = 7 * scale
        // the crop's top is (red - blue) / step and its left (green - blue) / step at the crop's corner
        byte[] image = new byte[3 * 32 * 32];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                image[y * 32 + x] = (byte) (7 * y);
                image[1024 + y * 32 + x] = (byte) (7 * x);
            }
        }
        var cropOnly = new Augmentation(true, false, 0, 1, 1);
        SplittableRandom random = new SplittableRandom(3);
        Set<String> offsets = new HashSet<>();
        for (int trial = 0; trial < 3000; trial++) {
            float[] out = new float[3 * 24 * 24];
            preprocessing.augment(image, 0, 3, 32, 32, cropOnly, random, out, 0);
            float step = out[24] - out[0];
            for (int y = 1; y < 24; y++) {
                assertThat(out[y * 24] - out[(y - 1) * 24]).isCloseTo(step, within(1e-4f));
                assertThat(out[576 + y] - out[576 + y - 1]).isCloseTo(step, within(1e-4f));
            }
            int top = Math.round((out[0] - out[2 * 576]) / step);
            int left = Math.round((out[576] - out[2 * 576]) / step);
            assertThat(top).isBetween(0, 8);
            assertThat(left).isBetween(0, 8);
            offsets.add(top + "," + left);
        }
        assertThat(offsets).hasSize(81);
    }

    @Test
    void flipMirrorsEachRow() {
        byte[] image = columnCoded();
        var flipOnly = new Augmentation(false, true, 0, 1, 1);
        float[] centre = new float[3 * 24 * 24];
        preprocessing.centre(image, 0, 3, 32, 32, centre, 0);
        boolean sawFlip = false;
        boolean sawPlain = false;
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 50; trial++) {
            float[] out = new float[centre.length];
            preprocessing.augment(image, 0, 3, 32, 32, flipOnly, random, out, 0);
            if (out[0] == centre[0]) {
                sawPlain = true;
                assertThat(out).containsExactly(centre);
            } else {
                sawFlip = true;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 24; y++) {
                        for (int x = 0; x < 24; x++) {
                            int row = c * 576 + y * 24;
                            assertThat(out[row + x]).isEqualTo(centre[row + 23 - x]);
                        }
                    }
                }
            }
        }
        assertThat(sawFlip).isTrue();
        assertThat(sawPlain).isTrue();
    }

    @Test
    void fullAugmentationStillGivesMeanZeroAndUnitDeviation() {
        LabelledImages images = CifarFixtures.images(20, 5);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < images.size(); i++) {
            float[] out = new float[3 * 24 * 24];
            preprocessing.augment(images.pixels(), i * 3072, 3, 32, 32, Augmentation.seedDefaults(), random, out, 0);
            assertStandardised(out);
        }
    }

    @Test
    void contrastChangesTheImageButBrightnessAloneIsUndoneByStandardisation() {
        LabelledImages images = CifarFixtures.images(1, 9);
        float[] centre = new float[3 * 24 * 24];
        preprocessing.centre(images.pixels(), 0, 3, 32, 32, centre, 0);

        float[] bright = new float[centre.length];
        preprocessing.augment(images.pixels(), 0, 3, 32, 32, new Augmentation(false, false, 63, 1, 1),
                new SplittableRandom(1), bright, 0);
        float[] contrast = new float[centre.length];
        preprocessing.augment(images.pixels(), 0, 3, 32, 32, new Augmentation(false, false, 0, 0.2, 0.4),
                new SplittableRandom(1), contrast, 0);

        for (int i = 0; i < centre.length; i++) {
            assertThat(bright[i]).isCloseTo(centre[i], within(1e-3f));
        }
        double difference = 0;
        for (int i = 0; i < centre.length; i++) {
            difference += Math.abs(contrast[i] - centre[i]);
        }
        assertThat(difference / centre.length).isGreaterThan(0.01);
    }

    @Test
    void aConstantImageStandardisesToZerosNotNaN() {
        byte[] image = new byte[3 * 32 * 32];
        java.util.Arrays.fill(image, (byte) 77);
        float[] out = new float[3 * 24 * 24];

        preprocessing.centre(image, 0, 3, 32, 32, out, 0);

        for (float v : out) {
            assertThat(v).isEqualTo(0f);
        }
    }

    private static void assertStandardised(float[] values) {
        double sum = 0;
        double squares = 0;
        for (float v : values) {
            sum += v;
            squares += v * v;
        }
        double mean = sum / values.length;
        assertThat(mean).isCloseTo(0, within(1e-4));
        assertThat(Math.sqrt(squares / values.length - mean * mean)).isCloseTo(1, within(1e-3));
    }
}
