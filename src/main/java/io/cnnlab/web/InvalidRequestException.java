package io.cnnlab.web;

/** A request the API refuses with 400 and this message. */
class InvalidRequestException extends RuntimeException {

    InvalidRequestException(String message) {
        super(message);
    }
}
