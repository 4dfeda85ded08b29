package io.cnnlab.networks;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * An array entry ({@code coefficients.bin}, {@code updaterState.bin}) as {@code Nd4j.write} writes a vector: a
 * header (shape information, then data type and length) and the values. {@code Nd4j.read} allocates whatever the
 * header declares, so the entry must be exactly the encoding of the vector the configuration implies, header byte
 * for byte and length to the byte, before ND4J sees it.
 */
final class ArrayEntry {

    private ArrayEntry() {
    }

    static INDArray read(byte[] entry, String name, long length, DataType type) throws UnreadableModelException {
        long valueBytes;
        try {
            valueBytes = Math.multiplyExact(length, type.width());
        } catch (ArithmeticException e) {
            throw new UnreadableModelException("%s: the configuration implies %d values, more than can be stored".formatted(name, length));
        }
        // a [1, n] row vector is how older DL4J versions wrote parameters; this one writes a rank-1 vector
        for (long[] shape : new long[][] {{length}, {1, length}}) {
            byte[] header = header(length, type, shape);
            if (entry.length - header.length == valueBytes && Arrays.equals(entry, 0, header.length, header, 0, header.length)) {
                INDArray array = Nd4j.read(new DataInputStream(new ByteArrayInputStream(entry)));
                return shape.length == 1 ? array : array.reshape(length);
            }
        }
        throw new UnreadableModelException("%s is not the vector of %d %s values the configuration implies (%d bytes); it has %d bytes"
                .formatted(name, length, type, header(length, type, new long[] {length}).length + valueBytes, entry.length));
    }

    /** What {@code Nd4j.write} puts before the values of a c-order array of this shape. */
    private static byte[] header(long length, DataType type, long[] shape) {
        long[] shapeInfo = Nd4j.getShapeInfoProvider().createShapeInformation(shape, 'c', type).getSecond();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(DataBuffer.AllocationMode.MIXED_DATA_TYPES.name());
            out.writeLong(shapeInfo.length);
            out.writeUTF(DataType.LONG.name());
            for (long value : shapeInfo) {
                out.writeLong(value);
            }
            out.writeUTF(DataBuffer.AllocationMode.MIXED_DATA_TYPES.name());
            out.writeLong(length);
            out.writeUTF(type.name());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
