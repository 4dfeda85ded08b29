package io.cnnlab.nativeruntime;

/**
 * What the ND4J native runtime offers this process.
 *
 * @param backend       ND4J backend name, {@code CPU} here
 * @param nativeBuild   the nd4j-native classifier whose libraries were found, e.g. {@code linux-x86_64-onednn}
 * @param oneDnnBuild   whether the loaded native library was built with oneDNN and uses it
 * @param layerHelpers  whether DL4J will give conv, pooling and batch-norm layers their oneDNN helper
 * @param cores         processors visible to the JVM
 * @param ompThreads    OpenMP threads ND4J uses, -1 if it did not say
 * @param blasVendor    BLAS library ND4J uses
 * @param shapeCache    whether array shapes come from {@link CachingShapeInfoProvider} (off: ND4J was initialised
 *                      before {@link NativeBackend#activate()} ran, or the operator chose another provider)
 */
public record NativeBackendInfo(String backend, String nativeBuild, boolean oneDnnBuild, boolean layerHelpers,
                                int cores, int ompThreads, String blasVendor,
                                boolean shapeCache) {

    public String summary() {
        return "ND4J backend %s, native build %s, oneDNN %s, layer helpers %s, %d cores, %d OpenMP threads, BLAS %s, shape cache %s"
                .formatted(backend, nativeBuild, oneDnnBuild ? "on" : "off",
                        layerHelpers ? "on" : "off (training runs about 10x slower)", cores, ompThreads, blasVendor,
                        shapeCache ? "on" : "off (serving pauses longer)");
    }
}
