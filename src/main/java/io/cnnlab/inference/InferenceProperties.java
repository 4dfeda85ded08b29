package io.cnnlab.inference;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code cnn.inference.*}: limits and batching of classification.
 *
 * @param maxUploadBytes      largest image (a raw body, a file part, a decoded base64 string) accepted (413 beyond)
 * @param maxRequestBytes     largest multipart classify request, checked from its Content-Length before any part is
 *                            parsed (the multipart limit of the service is the model import's); parts go to disk and
 *                            are read one image at a time, so this bounds temporary disk, not heap
 * @param maxPixels           largest decoded image (width x height), checked from the header before decoding
 * @param maxImagesPerRequest images one request may carry
 * @param maxBatchSize        images run through a network at once
 * @param maxDelay            how long a batch waits for more requests
 * @param maxQueue            images waiting per model before requests get 503
 * @param maxLoadedModels     model versions kept in memory
 * @param maxModelBytes       largest model zip accepted for import
 * @param maxModelUncompressedBytes largest total size the entries of an imported zip may unpack to
 * @param nativeThreads       OpenMP threads of each model's runner thread (0: ND4J's default, all cores)
 * @param decodeThreads       requests decoding images at once (0: one per core); the others wait their turn, so
 *                            dozens of HTTP threads cannot crowd the runner threads off the cores
 * @param decodeWait          longest a request waits for a decode slot before it is answered 503 (Retry-After)
 */
@Validated
@ConfigurationProperties("cnn.inference")
public record InferenceProperties(@NotNull @DefaultValue("10MB") DataSize maxUploadBytes,
                                  @NotNull @DefaultValue("64MB") DataSize maxRequestBytes,
                                  @Min(1) @DefaultValue("25000000") long maxPixels,
                                  @Min(1) @Max(1024) @DefaultValue("64") int maxImagesPerRequest,
                                  @Min(1) @Max(1024) @DefaultValue("64") int maxBatchSize,
                                  @NotNull @DefaultValue("2ms") Duration maxDelay,
                                  @Min(1) @DefaultValue("1024") int maxQueue,
                                  @Min(1) @Max(64) @DefaultValue("4") int maxLoadedModels,
                                  @NotNull @DefaultValue("200MB") DataSize maxModelBytes,
                                  @NotNull @DefaultValue("1GB") DataSize maxModelUncompressedBytes,
                                  @Min(0) @Max(256) @DefaultValue("1") int nativeThreads,
                                  @Min(0) @Max(1024) @DefaultValue("0") int decodeThreads,
                                  @NotNull @DefaultValue("2s") Duration decodeWait) {

    int effectiveDecodeThreads() {
        return decodeThreads > 0 ? decodeThreads : Runtime.getRuntime().availableProcessors();
    }
}
