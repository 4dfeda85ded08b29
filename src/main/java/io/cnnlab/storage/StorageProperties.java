package io.cnnlab.storage;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.net.URI;
import java.nio.file.Path;

/**
 * {@code cnn.storage.*}: where checkpoint and model files live. Every instance of a cluster must name the same
 * place; each keeps its own {@code cnn.home} for local state (the H2 database when there is no PostgreSQL, the
 * serving cache, temporary files).
 *
 * @param type {@code filesystem} (a directory; a ReadWriteMany volume for several instances) or {@code s3}
 * @param root the directory of the filesystem store; unset, {@code storage} under {@code cnn.home}
 * @param s3   the bucket of the S3 store
 */
@Validated
@ConfigurationProperties("cnn.storage")
record StorageProperties(@NotNull @DefaultValue("filesystem") Type type,
                         Path root,
                         @Valid @DefaultValue S3 s3) {

    enum Type { FILESYSTEM, S3 }

    StorageProperties {
        if (type == Type.S3 && (s3 == null || s3.bucket() == null || s3.bucket().isBlank())) {
            throw new IllegalArgumentException("cnn.storage.type=s3 needs cnn.storage.s3.bucket");
        }
        if (s3 != null && (s3.accessKeyId() == null) != (s3.secretAccessKey() == null)) {
            throw new IllegalArgumentException("cnn.storage.s3.access-key-id and cnn.storage.s3.secret-access-key "
                    + "go together: set both, or neither to take the credentials from the environment");
        }
    }

    /**
     * @param bucket          the bucket (it must exist)
     * @param endpoint        the server, e.g. {@code http://minio:9000}; unset, AWS S3 of {@code region}
     * @param region          the signing region (MinIO accepts any)
     * @param pathStyle       {@code http://host/bucket/key} addressing, which MinIO and most S3-compatible servers
     *                        need; false for virtual-hosted AWS buckets
     * @param prefix          a key prefix inside the bucket, so several clusters can share one
     * @param accessKeyId     unset (with {@code secret-access-key}), the AWS default chain answers: the environment
     *                        ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, e.g. from a Kubernetes
     *                        Secret), a web identity token, the instance profile
     * @param secretAccessKey the secret of {@code access-key-id}
     */
    record S3(String bucket,
              URI endpoint,
              @NotBlank @DefaultValue("us-east-1") String region,
              @DefaultValue("true") boolean pathStyle,
              @NotNull @DefaultValue("") String prefix,
              String accessKeyId,
              String secretAccessKey) {

        @Override
        public String toString() {
            // never print the secret (a failed binding or a debug log would)
            return "S3[bucket=%s, endpoint=%s, region=%s, pathStyle=%s, prefix=%s, accessKeyId=%s]"
                    .formatted(bucket, endpoint, region, pathStyle, prefix, accessKeyId);
        }
    }
}
