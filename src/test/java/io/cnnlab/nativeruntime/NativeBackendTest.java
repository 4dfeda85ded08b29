package io.cnnlab.nativeruntime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NativeBackendTest {

    @Test
    void activatingNamesTheCachingShapeProviderUnlessTheOperatorChoseOne() {
        String before = System.getProperty(NativeBackend.SHAPE_INFO_PROVIDER_PROPERTY);
        try {
            System.clearProperty(NativeBackend.SHAPE_INFO_PROVIDER_PROPERTY);
            NativeBackend.activate();
            assertThat(System.getProperty(NativeBackend.SHAPE_INFO_PROVIDER_PROPERTY)).isEqualTo(CachingShapeInfoProvider.class.getName());

            System.setProperty(NativeBackend.SHAPE_INFO_PROVIDER_PROPERTY, "operator.Choice");
            NativeBackend.activate();
            assertThat(System.getProperty(NativeBackend.SHAPE_INFO_PROVIDER_PROPERTY)).isEqualTo("operator.Choice");
        } finally {
            if (before == null) {
                System.clearProperty(NativeBackend.SHAPE_INFO_PROVIDER_PROPERTY);
            } else {
                System.setProperty(NativeBackend.SHAPE_INFO_PROVIDER_PROPERTY, before);
            }
        }
    }

    @Test
    void theRunningNd4jUsesTheCachingProviderAndSaysSo() {
        NativeBackendInfo info = NativeBackend.activate();

        assertThat(info.shapeCache()).isTrue();
        assertThat(info.summary()).contains("shape cache on");
    }
}
