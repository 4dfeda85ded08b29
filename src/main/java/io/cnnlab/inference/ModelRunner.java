package io.cnnlab.inference;

import io.cnnlab.onednn.OneDnnInference;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One loaded network and the one thread that runs it (a DL4J network is not thread-safe). Requests queue up; the
 * thread takes the first and everything already waiting, and while other requests are still being decoded
 * ({@link #expect()}) it waits for them for up to {@code maxDelay}, up to {@code maxBatchSize} images; it runs them as
 * one batch and completes each request with its own rows: dynamic micro-batching without a global lock. It never
 * waits for requests that are not on their way: on two cores an idle wait only adds latency (docs/performance.md,
 * "Serving").
 */
final class ModelRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelRunner.class);

    private record Request(float[] inputs, int images, CompletableFuture<float[][]> result) {
    }

    private static final long WAIT_SLICE_NANOS = 100_000;

    private final ComputationGraph net;
    private final int inputSize;
    private final int[] inputShape;
    private final int maxBatchSize;
    private final long maxDelayNanos;
    private final BlockingQueue<Request> queue;
    private final Thread thread;
    private volatile boolean running = true;
    private final java.util.concurrent.atomic.AtomicInteger arriving = new java.util.concurrent.atomic.AtomicInteger();

    private final java.util.function.IntConsumer batchObserver;

    private final int nativeThreads;

    /** The oneDNN engine when it runs this network (null: DL4J's {@code outputSingle}). */
    private final OneDnnInference engine;

    ModelRunner(String name, ComputationGraph net, int[] inputShape, int maxBatchSize, long maxDelayNanos, int maxQueue,
                int nativeThreads, java.util.function.IntConsumer batchObserver) {
        this.batchObserver = batchObserver;
        this.nativeThreads = nativeThreads;
        this.net = net;
        this.inputShape = inputShape;
        this.inputSize = inputShape[0] * inputShape[1] * inputShape[2];
        this.maxBatchSize = maxBatchSize;
        this.maxDelayNanos = maxDelayNanos;
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        var choice = OneDnnInference.of(net, InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]));
        this.engine = choice.engine();
        log.info("model {} serves on {}", name, choice.describe());
        this.thread = new Thread(this::run, "inference-" + name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The runner was closed (its version unloaded) before the request reached it: a fresh runner takes it. */
    static final class ClosedException extends OverloadedException {

        ClosedException() {
            super("the model was unloaded; retry");
        }
    }

    /**
     * Probabilities per image, in order. {@code inputs} holds {@code images} preprocessed images back to back.
     * Synchronized with {@link #close()}: a request is either refused or answered, never left in a closed queue.
     */
    synchronized CompletableFuture<float[][]> submit(float[] inputs, int images) {
        if (!running) {
            throw new ClosedException();
        }
        CompletableFuture<float[][]> result = new CompletableFuture<>();
        if (!queue.offer(new Request(inputs, images, result))) {
            throw new OverloadedException("the model is busy (%d requests queued); retry shortly".formatted(queue.size()));
        }
        return result;
    }

    /** Announces a request that will submit once its images are decoded; close it if it never does. */
    Arrival expect() {
        arriving.incrementAndGet();
        return new Arrival();
    }

    /** A request on its way to this runner: the batcher may wait for it. */
    final class Arrival implements AutoCloseable {

        private boolean pending = true;

        CompletableFuture<float[][]> submit(float[] inputs, int images) {
            try {
                return ModelRunner.this.submit(inputs, images);
            } finally {
                close();
            }
        }

        @Override
        public void close() {
            if (pending) {
                pending = false;
                arriving.decrementAndGet();
            }
        }
    }

    int queued() {
        return queue.size();
    }

    private void run() {
        if (nativeThreads > 0) {
            // OpenMP's thread count is per calling thread: this runner's small batches run single-threaded (lower,
            // steadier latency) while training threads keep every core
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(nativeThreads);
        }
        List<Request> batch = new ArrayList<>();
        // after close, what was accepted is still answered: an unloaded version fails no request it took
        while (running || !queue.isEmpty()) {
            try {
                Request first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                int images = first.images();
                long deadline = System.nanoTime() + maxDelayNanos;
                while (images < maxBatchSize) {
                    Request next = queue.poll();
                    if (next == null) {
                        long left = deadline - System.nanoTime();
                        if (arriving.get() == 0 || left <= 0) {
                            break;
                        }
                        // look again at least every 0.1 ms: the requests being decoded may fail instead
                        next = queue.poll(Math.min(left, WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
                        if (next == null) {
                            continue;
                        }
                    }
                    batch.add(next);
                    images += next.images();
                }
                batchObserver.accept(images);
                runBatch(batch, images);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        Request left;
        while ((left = queue.poll()) != null) {
            left.result().completeExceptionally(new ClosedException());
        }
        if (engine != null) {
            engine.close();
        }
    }

    private void runBatch(List<Request> batch, int images) {
        try {
            float[] all = new float[images * inputSize];
            int offset = 0;
            for (Request request : batch) {
                System.arraycopy(request.inputs(), 0, all, offset, request.inputs().length);
                offset += request.inputs().length;
            }
            float[][] rows = forward(all, images);
            int row = 0;
            for (Request request : batch) {
                float[][] mine = new float[request.images()][];
                System.arraycopy(rows, row, mine, 0, request.images());
                row += request.images();
                request.result().complete(mine);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            batch.forEach(r -> r.result().completeExceptionally(e));
        }
    }

    private float[][] forward(float[] all, int images) {
        if (engine != null) {
            return engine.output(all, images);
        }
        INDArray input = Nd4j.create(all, new long[]{images, inputShape[0], inputShape[1], inputShape[2]}, DataType.FLOAT);
        INDArray output = net.outputSingle(false, input);
        float[][] rows = rows(output, images);
        input.close();
        output.close();
        return rows;
    }

    /**
     * Rows of a [images, classes] result, read from its buffer in one copy: {@code toFloatMatrix} makes a row view per
     * image, and every ND4J array costs a native allocation the garbage collector has to trace (a visible share of a
     * single-image pass's, more for batches).
     */
    static float[][] rows(INDArray output, int images) {
        int classes = (int) output.size(1);
        if (output.ordering() != 'c' || output.offset() != 0 || output.data().length() != (long) images * classes) {
            return output.toFloatMatrix();
        }
        float[] flat = output.data().asFloat();
        float[][] rows = new float[images][];
        for (int i = 0; i < images; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
        }
        return rows;
    }

    /** Stops taking requests; the thread answers those already queued, then ends. */
    @Override
    public synchronized void close() {
        running = false;
    }

    /** Stops at once, failing what is queued (the application is shutting down). */
    void stop() {
        close();
        thread.interrupt();
    }
}
