package io.cnnlab.observability;

import io.cnnlab.nativeruntime.NativeBackend;
import io.cnnlab.nativeruntime.NativeBackendInfo;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/** {@code /actuator/info} says which native build runs and whether the oneDNN helpers are on. */
@Component
class NativeBackendInfoContributor implements InfoContributor {

    @Override
    public void contribute(Info.Builder builder) {
        NativeBackendInfo info = NativeBackend.describe();
        builder.withDetail("native", java.util.Map.of(
                "backend", info.backend(),
                "build", info.nativeBuild(),
                "oneDnn", info.oneDnnBuild(),
                "layerHelpers", info.layerHelpers(),
                "cores", info.cores(),
                "ompThreads", info.ompThreads(),
                "blas", info.blasVendor(),
                "shapeCache", info.shapeCache()));
    }
}
