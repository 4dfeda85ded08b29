package io.cnnlab.datasets;

public class DatasetNotFoundException extends RuntimeException {

    DatasetNotFoundException(String id) {
        super("no data set '%s'".formatted(id));
    }
}
