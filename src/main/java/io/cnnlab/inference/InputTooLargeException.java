package io.cnnlab.inference;

/** One image of a request is larger than {@code cnn.inference.max-upload-bytes}: a 413 for the client. */
public class InputTooLargeException extends RuntimeException {

    public InputTooLargeException(String message) {
        super(message);
    }
}
