package io.cnnlab.web;

/** A job that exists but has no per-class evaluation to show (yet): a 404 problem with this message. */
class EvaluationNotFoundException extends RuntimeException {

    EvaluationNotFoundException(String message) {
        super(message);
    }
}
