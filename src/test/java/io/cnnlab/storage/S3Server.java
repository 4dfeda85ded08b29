package io.cnnlab.storage;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.time.Duration;
import java.util.Properties;

import static org.awaitility.Awaitility.await;

/**
 * An S3-compatible server in the test JVM: S3Proxy's S3 API over jclouds' in-memory store, on a free port of
 * 127.0.0.1, checking AWS signature V4 like MinIO or S3. Started on first use, stopped when the JVM ends.
 */
public final class S3Server {

    static final String ACCESS_KEY = "test-access";
    static final String SECRET_KEY = "test-secret-key";
    private static S3Server instance;

    private final S3Proxy proxy;
    private final URI endpoint;

    private S3Server(S3Proxy proxy, URI endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    public static synchronized S3Server get() {
        if (instance == null) {
            try {
                Properties properties = new Properties();
                BlobStoreContext context = ContextBuilder.newBuilder("transient")
                        .credentials("identity", "credential").overrides(properties).build(BlobStoreContext.class);
                S3Proxy proxy = S3Proxy.builder()
                        .blobStore(context.getBlobStore())
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                        .endpoint(URI.create("http://127.0.0.1:0"))
                        .build();
                proxy.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> proxy.getState().equals("STARTED"));
                S3Server server = new S3Server(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        proxy.stop();
                    } catch (Exception e) {
                        // the JVM ends anyway
                    }
                }, "s3-test-server-stop"));
                instance = server;
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the in-process S3 server: " + e.getMessage(), e);
            }
        }
        return instance;
    }

    /** A new empty bucket. */
    public String createBucket(String name) {
        try (S3Client client = S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build()) {
            client.createBucket(b -> b.bucket(name));
        }
        return name;
    }

    public URI endpoint() {
        return endpoint;
    }

    StorageProperties.S3 config(String bucket) {
        return new StorageProperties.S3(bucket, endpoint, "us-east-1", true, "", ACCESS_KEY, SECRET_KEY);
    }
}
