package io.cnnlab.nativeruntime;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Properties;

/**
 * Turns on DL4J's oneDNN layer helpers and describes the native build in use.
 *
 * <p>DL4J 1.0.0-M2.1 disables layer helpers unless the system property {@value #HELPERS_DISABLE_PROPERTY} is
 * {@code false}; it is read each time a layer is created, so {@link #activate()} must run before the first network is
 * initialised. It also names {@link CachingShapeInfoProvider} as ND4J's shape-information provider, which ND4J reads
 * once, when it initialises: so {@link #activate()} belongs at the very start of {@code main}. A value the operator
 * set explicitly (e.g. {@code -D...=true} to compare paths) is left alone.
 */
public final class NativeBackend {

    public static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    /** ND4J's backend configuration key, overridable by a system property of the same name. */
    public static final String SHAPE_INFO_PROVIDER_PROPERTY = "shapeinfoprovider";

    private NativeBackend() {
    }

    /** Enables layer helpers (idempotent) and returns what is active. */
    public static NativeBackendInfo activate() {
        if (System.getProperty(HELPERS_DISABLE_PROPERTY) == null) {
            System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
        }
        if (System.getProperty(SHAPE_INFO_PROVIDER_PROPERTY) == null) {
            System.setProperty(SHAPE_INFO_PROVIDER_PROPERTY, CachingShapeInfoProvider.class.getName());
        }
        return describe();
    }

    public static NativeBackendInfo describe() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        boolean helpersAllowed = !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE_PROPERTY, "true"))
                && Nd4j.getEnvironment().helpersAllowed();
        boolean oneDnn = BaseMKLDNNHelper.mklDnnEnabled();
        return new NativeBackendInfo(
                String.valueOf(env.getProperty("backend")),
                nativeBuild(),
                oneDnn,
                helpersAllowed && oneDnn,
                Runtime.getRuntime().availableProcessors(),
                intProperty(env, "omp.threads"),
                String.valueOf(env.getProperty("blas.vendor")),
                Nd4j.getShapeInfoProvider() instanceof CachingShapeInfoProvider);
    }

    /** The classifier of the nd4j-native jar the natives come from, e.g. {@code linux-x86_64-onednn}. */
    private static String nativeBuild() {
        for (String candidate : new String[]{"linux-x86_64-onednn-avx512", "linux-x86_64-onednn-avx2",
                "linux-x86_64-onednn", "linux-x86_64-avx512", "linux-x86_64-avx2", "linux-x86_64"}) {
            String library = "/org/nd4j/linalg/cpu/nativecpu/bindings/" + candidate + "/libnd4jcpu.so";
            if (NativeBackend.class.getResource(library) != null) {
                return candidate;
            }
        }
        return "unknown";
    }

    private static int intProperty(Properties env, String key) {
        Object value = env.get(key);
        if (value == null) {
            return -1;
        }
        try {
            return Integer.parseInt(value.toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
