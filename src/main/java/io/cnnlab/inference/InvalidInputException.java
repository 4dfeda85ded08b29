package io.cnnlab.inference;

/** The images a request hands over do not fit what a model takes (count, shape, values): a 400 for the client. */
public class InvalidInputException extends RuntimeException {

    public InvalidInputException(String message) {
        super(message);
    }
}
