package io.cnnlab.models;

/** A model name or alias a user gave that the service cannot accept; the message says which rule it breaks. */
public class InvalidModelNameException extends RuntimeException {

    InvalidModelNameException(String message) {
        super(message);
    }
}
