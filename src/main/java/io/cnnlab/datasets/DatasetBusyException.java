package io.cnnlab.datasets;

/** As many imports as {@code cnn.datasets.max-concurrent-imports} are decoding already; retry shortly. */
public class DatasetBusyException extends RuntimeException {

    DatasetBusyException(int running) {
        super("%d data set import(s) are running, the most this service runs at once (cnn.datasets.max-concurrent-imports); "
                .formatted(running) + "try again shortly");
    }
}
