package io.cnnlab.networks;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * What a network takes: images stored as {@code channels x side x side} bytes, of which a {@code crop x crop}
 * window is preprocessed into floats, channels first. Training, import and serving all read it from here.
 *
 * @param channels colour channels (RGB)
 * @param side     side of a stored image, the size every decoded image is reduced to
 * @param crop     side of the window the network sees (random while training, centred otherwise)
 */
public record InputDescription(int channels, int side, int crop) {

    /** The seed's input: a 24x24 crop of a 32x32 RGB image, as CIFAR-10 stores it. */
    public static final InputDescription SEED = new InputDescription(3, 32, 24);

    public InputDescription {
        if (channels < 1 || side < 1 || crop < 1 || crop > side) {
            throw new IllegalArgumentException("need 1 <= crop <= side and channels >= 1, was %d x %d crop %d"
                    .formatted(channels, side, crop));
        }
    }

    /** Bytes of one stored image (channel planes). */
    public int bytesPerImage() {
        return channels * side * side;
    }

    /** Floats of one preprocessed image, the network's input. */
    public int floatsPerImage() {
        return channels * crop * crop;
    }

    /** The network input of one image, channels first, without the batch dimension. */
    public int[] networkShape() {
        return new int[] {channels, crop, crop};
    }

    /** A batch of {@code n} network inputs (NCHW). */
    public long[] batchShape(long n) {
        return new long[] {n, channels, crop, crop};
    }

    /** DL4J's description of the network input (NCHW). */
    public InputType inputType() {
        return InputType.convolutional(crop, crop, channels, CNN2DFormat.NCHW);
    }
}
