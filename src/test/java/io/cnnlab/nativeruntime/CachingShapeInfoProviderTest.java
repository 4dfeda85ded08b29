package io.cnnlab.nativeruntime;

import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.BaseShapeInfoProvider;
import org.nd4j.linalg.api.shape.options.ArrayOptionsHelper;

import static org.assertj.core.api.Assertions.assertThat;

/** The cache hands out exactly the shape information ND4J would have made, once per distinct shape. */
class CachingShapeInfoProviderTest {

    /** ND4J's uncached path, the one array creation took before. */
    private final BaseShapeInfoProvider uncached = new BaseShapeInfoProvider() {
        @Override
        public void purgeCache() {
        }
    };
    private final CachingShapeInfoProvider caching = new CachingShapeInfoProvider();

    private record Shape(long[] shape, long[] stride, long ews, char order, DataType type, boolean empty) {
    }

    private static final Shape[] SHAPES = {
            new Shape(new long[]{1, 3, 24, 24}, new long[]{1728, 576, 24, 1}, 1, 'c', DataType.FLOAT, false),
            new Shape(new long[]{64, 3, 24, 24}, new long[]{1728, 576, 24, 1}, 1, 'c', DataType.FLOAT, false),
            new Shape(new long[]{64, 3, 24, 24}, new long[]{1, 64, 192, 4608}, 1, 'f', DataType.FLOAT, false),
            new Shape(new long[]{64, 10}, new long[]{10, 1}, 1, 'c', DataType.FLOAT, false),
            new Shape(new long[]{64, 10}, new long[]{10, 1}, 1, 'c', DataType.DOUBLE, false),
            new Shape(new long[]{5, 4}, new long[]{1, 10}, -1, 'f', DataType.INT64, false),
            new Shape(new long[]{0}, new long[]{1}, 1, 'c', DataType.FLOAT, true),
    };

    @Test
    void givesTheSameShapeInformationAsNd4jsOwnPath() {
        for (Shape s : SHAPES) {
            Pair<DataBuffer, long[]> expected = uncached.createShapeInformation(s.shape(), s.stride(), s.ews(), s.order(), s.type(), s.empty());
            Pair<DataBuffer, long[]> actual = caching.createShapeInformation(s.shape(), s.stride(), s.ews(), s.order(), s.type(), s.empty());

            assertThat(actual.getSecond()).as("shape %s %s", s.type(), java.util.Arrays.toString(s.shape())).containsExactly(expected.getSecond());
            assertThat(actual.getFirst().asLong()).containsExactly(expected.getFirst().asLong());
        }
    }

    @Test
    void theSecondRequestForAShapeGetsTheFirstBuffer() {
        Shape s = SHAPES[1];
        long[] shape = s.shape().clone();

        DataBuffer first = caching.createShapeInformation(shape, s.stride(), s.ews(), s.order(), s.type(), false).getFirst();
        shape[0] = 32; // a caller reusing its array must not change what was cached
        DataBuffer other = caching.createShapeInformation(shape, s.stride(), s.ews(), s.order(), s.type(), false).getFirst();
        DataBuffer again = caching.createShapeInformation(s.shape(), s.stride(), s.ews(), s.order(), s.type(), false).getFirst();

        assertThat(again).isSameAs(first);
        assertThat(other).isNotSameAs(first);
        assertThat(other.getLong(1)).isEqualTo(32);
        assertThat(first.isConstant()).isTrue();
        assertThat(caching.cached()).isEqualTo(2);
    }

    @Test
    void theOverloadWithExtrasIsCachedApartFromTheTypedOne() {
        Shape s = SHAPES[3];
        long extras = ArrayOptionsHelper.setOptionBit(0L, s.type());

        Pair<DataBuffer, long[]> typed = caching.createShapeInformation(s.shape(), s.stride(), s.ews(), s.order(), s.type(), false);
        Pair<DataBuffer, long[]> withExtras = caching.createShapeInformation(s.shape(), s.stride(), s.ews(), s.order(), extras);

        assertThat(withExtras.getSecond()).containsExactly(typed.getSecond());
        assertThat(caching.createShapeInformation(s.shape(), s.stride(), s.ews(), s.order(), extras)).isSameAs(withExtras);
        assertThat(caching.cached()).isEqualTo(2);
    }

    @Test
    void startsAgainEmptyWhenFull() {
        for (int n = 1; n <= CachingShapeInfoProvider.MAX_ENTRIES + 5; n++) {
            caching.createShapeInformation(new long[]{n, 10}, new long[]{10, 1}, 1, 'c', DataType.FLOAT, false);
        }

        assertThat(caching.cached()).isEqualTo(5);
    }
}
