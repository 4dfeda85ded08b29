package io.cnnlab.inference;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * The images of one classification request, in the form the client chose. Nothing here is allocated from a declared
 * size: {@link Classifier} checks the count, the shape and the data length against the limits first, then reads the
 * images one at a time under its decode admission.
 */
public sealed interface Images {

    /**
     * Encoded files (PNG, JPEG, ...), each read only when its turn to be decoded comes.
     *
     * @param count  images in the request
     * @param source their declared sizes and bytes
     */
    record Encoded(int count, EncodedSource source) implements Images {
    }

    /**
     * Raw pixels, UINT8 in NHWC order ({@code [N, side, side, channels]} of the model's input description), as the
     * row-major numbers of the client's tensor.
     */
    record Pixels(List<Long> shape, Values values) implements Images {
    }

    /** An already preprocessed network input, FP32 in NHWC order ({@code [N, crop, crop, channels]}). */
    record Tensor(List<Long> shape, Values values) implements Images {
    }

    /** The numbers of a tensor, row-major; counted before anything is allocated for them. */
    interface Values {

        /** How many numbers there are (a walk, no copy). */
        long count();

        void forEach(DoubleConsumer each);
    }

    /** Encoded images by position. */
    interface EncodedSource {

        /** Size the client declared for image {@code index} (or an upper bound), -1 when unknown before reading. */
        long declaredBytes(int index);

        byte[] read(int index) throws IOException;
    }

    static Images encoded(List<byte[]> images) {
        return new Encoded(images.size(), new EncodedSource() {
            @Override
            public long declaredBytes(int index) {
                return images.get(index).length;
            }

            @Override
            public byte[] read(int index) {
                return images.get(index);
            }
        });
    }

    /**
     * Base64 strings (REST JSON, V2 BYTES), decoded one at a time. Their size is known only once decoded (MIME line
     * breaks make the string longer than its bytes); the JSON body limit already bounds them all.
     */
    static Images base64(List<String> images) {
        return new Encoded(images.size(), new EncodedSource() {
            @Override
            public long declaredBytes(int index) {
                return -1;
            }

            @Override
            public byte[] read(int index) {
                try {
                    return Base64.getMimeDecoder().decode(String.valueOf(images.get(index)));
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException("image %d is not base64: %s".formatted(index, e.getMessage()));
                }
            }
        });
    }
}
