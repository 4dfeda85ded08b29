package io.cnnlab.storage;

import io.cnnlab.files.DurableFiles;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph), under an optional key prefix. A put is one PutObject
 * of a finished local file (so its size and sha256 are known before the upload, and S3 makes it visible whole or
 * not at all); an open downloads to a local temporary file and checks its sha256 before handing out a byte.
 * Temporary files live in {@code tmp} (under {@code cnn.home}) and are removed when done with.
 */
class S3BlobStore implements BlobStore, AutoCloseable {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Path tmp;

    S3BlobStore(S3Client s3, String bucket, String prefix, Path tmp) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = BlobKeys.checkPrefix(prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/");
        this.tmp = tmp;
    }

    /** A client for the configured server: path-style when asked, checksums only where S3 requires them. */
    static S3BlobStore create(StorageProperties.S3 config, Path tmp) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.region()))
                .forcePathStyle(config.pathStyle())
                // the sha256 recorded in the database is what every read checks; the SDK's newer default trailing
                // checksums are not understood by every S3-compatible server
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(config.accessKeyId() != null
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()))
                        : DefaultCredentialsProvider.builder().build());
        if (config.endpoint() != null) {
            builder.endpointOverride(config.endpoint());
        }
        return new S3BlobStore(builder.build(), config.bucket(), config.prefix(), tmp);
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public DurableFiles.Written put(String key, DurableFiles.Content content) {
        String object = object(key);
        Path local = temporaryFile();
        try {
            DurableFiles.Written written = DurableFiles.write(local, content);
            s3.putObject(b -> b.bucket(bucket).key(object).contentLength(written.sizeBytes())
                            .metadata(Map.of("sha256", written.sha256())),
                    RequestBody.fromFile(local));
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        } catch (SdkException e) {
            throw new UncheckedIOException("cannot store %s in bucket %s: %s".formatted(object, bucket, e.getMessage()),
                    new IOException(e));
        } finally {
            deleteQuietly(local);
        }
    }

    @Override
    public InputStream open(String key, String expectedSha256) {
        String object = object(key);
        Path local = temporaryFile();
        try {
            DurableFiles.Written fetched = DurableFiles.write(local, out ->
                    s3.getObject(b -> b.bucket(bucket).key(object), ResponseTransformer.toOutputStream(out)));
            if (!fetched.sha256().equals(expectedSha256)) {
                throw new CorruptBlobException("object %s in bucket %s has sha256 %s, recorded %s: it is corrupt"
                        .formatted(object, bucket, fetched.sha256(), expectedSha256));
            }
            InputStream in = Files.newInputStream(local);
            return new FilterInputStream(in) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        deleteQuietly(local);
                    }
                }
            };
        } catch (NoSuchKeyException e) {
            deleteQuietly(local);
            throw missing(object);
        } catch (IOException e) {
            deleteQuietly(local);
            throw new UncheckedIOException("cannot fetch %s from bucket %s: %s".formatted(object, bucket, e.getMessage()), e);
        } catch (SdkException e) {
            deleteQuietly(local);
            if (e instanceof S3Exception s3e && s3e.statusCode() == 404) {
                throw missing(object);
            }
            throw new UncheckedIOException("cannot fetch %s from bucket %s: %s".formatted(object, bucket, e.getMessage()),
                    new IOException(e));
        } catch (RuntimeException e) {
            deleteQuietly(local);
            throw e;
        }
    }

    @Override
    public void delete(String key) {
        String object = object(key);
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(object));
        } catch (SdkException e) {
            throw new UncheckedIOException("cannot delete %s from bucket %s: %s".formatted(object, bucket, e.getMessage()),
                    new IOException(e));
        }
    }

    @Override
    public List<String> list(String keyPrefix) {
        BlobKeys.checkPrefix(keyPrefix);
        try {
            return s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix + keyPrefix).build())
                    .contents().stream()
                    .map(S3Object::key)
                    .map(k -> k.substring(prefix.length()))
                    .toList();
        } catch (SdkException e) {
            throw new UncheckedIOException("cannot list bucket %s: %s".formatted(bucket, e.getMessage()), new IOException(e));
        }
    }

    @Override
    public String describe() {
        return "bucket " + bucket + (prefix.isEmpty() ? "" : " under " + prefix);
    }

    private CorruptBlobException missing(String object) {
        return new CorruptBlobException("object %s in bucket %s is missing".formatted(object, bucket));
    }

    private String object(String key) {
        return prefix + BlobKeys.check(key);
    }

    private Path temporaryFile() {
        try {
            Files.createDirectories(tmp);
            // DurableFiles writes "." + name + ".tmp" beside it: a unique name keeps concurrent transfers apart
            return Files.createTempFile(tmp, "blob-", ".part");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file in " + tmp + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover in the temporary directory; the next start-up clears it
        }
    }
}
