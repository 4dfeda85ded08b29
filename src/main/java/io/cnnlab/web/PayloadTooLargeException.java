package io.cnnlab.web;

class PayloadTooLargeException extends RuntimeException {

    PayloadTooLargeException(long size, long max) {
        super("the body is %s bytes; at most %d are accepted (cnn.inference.max-upload-bytes)"
                .formatted(size < 0 ? "more than " + max : String.valueOf(size), max));
    }
}
