package io.cnnlab.nativeruntime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NativeBackendTest {

    @Test
    void activatingNamesTheCachingShapeProviderAndReportsItInUse() {
        NativeBackendInfo info = NativeBackend.activate();

        assertThat(System.getProperty(NativeBackend.SHAPE_INFO_PROVIDER_PROPERTY)).isEqualTo(CachingShapeInfoProvider.class.getName());
        assertThat(info.shapeCache()).isTrue();
        assertThat(info.summary()).contains("shape cache on");
    }
}
