package io.cnnlab.nativeruntime;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.BaseShapeInfoProvider;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ND4J's shape-information provider with a cache that works: one shared, constant shape buffer per distinct shape.
 *
 * <p>ND4J 1.0.0-M2.1's own {@code DirectShapeInfoProvider} caches only an overload that array creation no longer
 * calls (the interface gained an {@code empty} flag; the cached method was not updated), and stops caching for good
 * after 1,000 shapes. So every new array, views included, made a fresh native shape buffer, two JavaCPP pointers and
 * an ND4J deallocation record: about 40 per forward pass of even the smallest network. Each of those records is
 * still reachable when the next young collection runs, so they were what the collector copied, and what made its
 * pauses, at serving rates. Sharing a shape buffer between arrays is what ND4J's own cache does: the buffers are
 * marked constant and no array frees its shape buffer.
 *
 * <p>Bounded: when {@value #MAX_ENTRIES} shapes are held the cache starts again empty (arrays keep the buffers they
 * hold; unused ones go to the collector as before).
 */
public class CachingShapeInfoProvider extends BaseShapeInfoProvider {

    static final int MAX_ENTRIES = 20_000;

    private final Map<Key, Pair<DataBuffer, long[]>> cache = new ConcurrentHashMap<>();

    @Override
    public Pair<DataBuffer, long[]> createShapeInformation(long[] shape, long[] stride, long elementWiseStride,
                                                          char order, DataType dataType, boolean empty) {
        Key key = new Key(shape, stride, elementWiseStride, order, 'T', dataType.ordinal() * 2L + (empty ? 1 : 0));
        Pair<DataBuffer, long[]> cached = cache.get(key);
        return cached != null ? cached
                : remember(key, super.createShapeInformation(shape, stride, elementWiseStride, order, dataType, empty));
    }

    @Override
    public Pair<DataBuffer, long[]> createShapeInformation(long[] shape, long[] stride, long elementWiseStride,
                                                          char order, long extras) {
        Key key = new Key(shape, stride, elementWiseStride, order, 'X', extras);
        Pair<DataBuffer, long[]> cached = cache.get(key);
        return cached != null ? cached
                : remember(key, super.createShapeInformation(shape, stride, elementWiseStride, order, extras));
    }

    private Pair<DataBuffer, long[]> remember(Key key, Pair<DataBuffer, long[]> created) {
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        Pair<DataBuffer, long[]> raced = cache.putIfAbsent(key, created);
        return raced != null ? raced : created;
    }

    @Override
    public void purgeCache() {
        cache.clear();
    }

    int cached() {
        return cache.size();
    }

    /** Everything the shape buffer is made from, copied (callers reuse their arrays). */
    private static final class Key {

        private final long[] values;
        private final int hash;

        Key(long[] shape, long[] stride, long elementWiseStride, char order, char overload, long type) {
            values = new long[shape.length + stride.length + 5];
            values[0] = shape.length;
            System.arraycopy(shape, 0, values, 1, shape.length);
            System.arraycopy(stride, 0, values, 1 + shape.length, stride.length);
            int at = 1 + shape.length + stride.length;
            values[at] = elementWiseStride;
            values[at + 1] = order;
            values[at + 2] = overload;
            values[at + 3] = type;
            hash = Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.hash == hash && Arrays.equals(key.values, values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
