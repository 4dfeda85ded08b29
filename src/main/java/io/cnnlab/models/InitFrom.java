package io.cnnlab.models;

import java.util.Objects;

/**
 * The model version a network was fine-tuned from.
 *
 * @param model   the model's name
 * @param version its version
 */
public record InitFrom(String model, int version) {

    public InitFrom {
        Objects.requireNonNull(model, "model");
    }

    /** Null unless both parts are there (a job or version not fine-tuned has neither). */
    public static InitFrom ofNullable(String model, Integer version) {
        return model == null || version == null ? null : new InitFrom(model, version);
    }
}
