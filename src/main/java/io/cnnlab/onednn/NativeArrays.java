package io.cnnlab.onednn;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Where an ND4J array's floats are, so oneDNN reads and writes DL4J's own parameter and gradient buffers in place. */
final class NativeArrays {

    private NativeArrays() {
    }

    /** The first float of {@code array}, which must be dense and in row-major order (a view included). */
    static Pointer address(INDArray array) {
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("oneDNN reads float arrays here, not " + array.dataType());
        }
        if (!denseRowMajor(array)) {
            throw new IllegalArgumentException("not a dense row-major array: " + array.shapeInfoToString());
        }
        long address = array.data().address() + array.offset() * Float.BYTES;
        return new Address(address);
    }

    /** Every dimension longer than one steps over exactly the dimensions after it (a length-1 one may say anything). */
    static boolean denseRowMajor(INDArray array) {
        long expected = 1;
        for (int d = array.rank() - 1; d >= 0; d--) {
            if (array.size(d) > 1 && array.stride(d) != expected) {
                return false;
            }
            expected *= array.size(d);
        }
        return true;
    }

    static FloatPointer floats(Pointer address) {
        return new FloatPointer(address);
    }

    /** A pointer to memory someone else owns (ND4J, oneDNN): never deallocated through it. */
    private static final class Address extends Pointer {
        Address(long value) {
            this.address = value;
        }
    }
}
