package io.cnnlab.networks;

import java.io.IOException;

/** A model file or upload that {@link ModelFormat} refuses to read; the message says why. */
class UnreadableModelException extends IOException {

    UnreadableModelException(String message) {
        super(message);
    }

    UnreadableModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
