package io.cnnlab.inference;

import io.cnnlab.networks.InputDescription;

/**
 * Clients send tensors channels last (NHWC, as images are stored in files and in most frameworks); preprocessing
 * takes channel planes and the networks take channels first (NCHW). The counts were checked before these run.
 */
final class Layouts {

    private Layouts() {
    }

    /** UINT8 NHWC numbers of {@code n} stored images to their channel planes, back to back. */
    static byte[] planes(Images.Values values, int n, InputDescription input) {
        int area = input.side() * input.side();
        int channels = input.channels();
        int perImage = input.bytesPerImage();
        byte[] planes = new byte[n * perImage];
        int[] k = {0};
        values.forEach(v -> {
            int at = next(k, planes.length);
            if (v < 0 || v > 255 || v != Math.rint(v)) {
                throw new InvalidInputException("UINT8 values must be integers 0..255, found " + v);
            }
            int image = at / perImage;
            int within = at % perImage;
            planes[image * perImage + (within % channels) * area + within / channels] = (byte) (int) v;
        });
        return planes;
    }

    /** FP32 NHWC numbers of {@code n} preprocessed images to the network's NCHW input. */
    static float[] channelsFirst(Images.Values values, int n, InputDescription input) {
        int crop = input.crop();
        int channels = input.channels();
        int perImage = input.floatsPerImage();
        float[] nchw = new float[n * perImage];
        int[] k = {0};
        values.forEach(v -> {
            int at = next(k, nchw.length);
            if (!Double.isFinite(v)) {
                throw new InvalidInputException("FP32 values must be finite numbers, found " + v);
            }
            int image = at / perImage;
            int within = at % perImage;
            int c = within % channels;
            int x = (within / channels) % crop;
            int y = within / (channels * crop);
            nchw[image * perImage + (c * crop + y) * crop + x] = (float) v;
        });
        return nchw;
    }

    private static int next(int[] k, int size) {
        if (k[0] >= size) {
            throw new InvalidInputException("the tensor holds more values than its shape declares");
        }
        return k[0]++;
    }
}
