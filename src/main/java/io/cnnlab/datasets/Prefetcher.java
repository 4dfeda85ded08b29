package io.cnnlab.datasets;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongFunction;

/**
 * Produces items {@code from..to-1} on its own thread, a few ahead of the consumer, so the trainer never waits for
 * augmentation. Counts how long the consumer did wait. A failure in the producer is rethrown to the consumer.
 */
public final class Prefetcher<T> implements AutoCloseable {

    private record Slot<T>(T item, RuntimeException failure) {
    }

    private final BlockingQueue<Slot<T>> queue;
    private final Thread producer;
    private final long to;
    private long next;
    private long waitNanos;

    public Prefetcher(String threadName, long from, long to, int depth, LongFunction<T> produce) {
        this.queue = new ArrayBlockingQueue<>(depth);
        this.next = from;
        this.to = to;
        this.producer = new Thread(() -> run(from, to, produce), threadName);
        this.producer.setDaemon(true);
        this.producer.start();
    }

    private void run(long from, long to, LongFunction<T> produce) {
        try {
            for (long i = from; i < to; i++) {
                T item;
                try {
                    item = produce.apply(i);
                } catch (RuntimeException e) {
                    queue.put(new Slot<>(null, e));
                    return;
                }
                queue.put(new Slot<>(item, null));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean hasNext() {
        return next < to;
    }

    /** The next item in order; blocks until it is ready. */
    public T next() throws InterruptedException {
        if (!hasNext()) {
            throw new IllegalStateException("no items left");
        }
        long start = System.nanoTime();
        Slot<T> slot = queue.take();
        waitNanos += System.nanoTime() - start;
        if (slot.failure() != null) {
            throw slot.failure();
        }
        next++;
        return slot.item();
    }

    /** Total time {@link #next()} spent waiting for the producer. */
    public long waitNanos() {
        return waitNanos;
    }

    @Override
    public void close() {
        producer.interrupt();
        try {
            producer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
