package io.cnnlab.web;

/** A request body beyond a size limit, refused before it is read (413). */
class PayloadTooLargeException extends RuntimeException {

    PayloadTooLargeException(long size, long max, String property) {
        super("the body is %s bytes; at most %d are accepted (%s)"
                .formatted(size < 0 ? "more than " + max : String.valueOf(size), max, property));
    }
}
