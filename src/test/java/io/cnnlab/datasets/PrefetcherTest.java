package io.cnnlab.datasets;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrefetcherTest {

    @Test
    void deliversEveryItemInOrderFromAnotherThread() throws InterruptedException {
        List<String> threads = new ArrayList<>();
        List<Long> items = new ArrayList<>();
        try (var prefetcher = new Prefetcher<Long>("test", 5, 25, 3, i -> {
            synchronized (threads) {
                threads.add(Thread.currentThread().getName());
            }
            return i * 10;
        })) {
            while (prefetcher.hasNext()) {
                items.add(prefetcher.next());
            }
        }
        assertThat(items).hasSize(20).startsWith(50L, 60L).endsWith(240L);
        assertThat(threads).containsOnly("test");
    }

    @Test
    void aProducerFailureReachesTheConsumer() throws InterruptedException {
        try (var prefetcher = new Prefetcher<Long>("test", 0, 10, 2, i -> {
            if (i == 3) {
                throw new IllegalStateException("broken record 3");
            }
            return i;
        })) {
            for (int i = 0; i < 3; i++) {
                assertThat(prefetcher.next()).isEqualTo(i);
            }
            assertThatThrownBy(prefetcher::next).hasMessage("broken record 3");
        }
    }

    @Test
    void closeStopsAProducerThatIsAhead() throws InterruptedException {
        var prefetcher = new Prefetcher<Long>("stoppable", 0, Long.MAX_VALUE, 2, i -> i);
        prefetcher.next();
        prefetcher.close();
        assertThat(Thread.getAllStackTraces().keySet().stream().map(Thread::getName)).doesNotContain("stoppable");
    }
}
