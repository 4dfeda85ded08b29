package io.cnnlab.security;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class SecurityModeTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void unsetMeansOnExactlyWhenKeysExistAndTheServiceIsReachableFromOutside() throws Exception {
        assertThat(SecurityMode.decide(null, true, null).enabled()).isTrue();                 // all interfaces
        assertThat(SecurityMode.decide(null, true, InetAddress.getByName("10.1.2.3")).enabled()).isTrue();
        assertThat(SecurityMode.decide(null, true, LOOPBACK).enabled()).isFalse();
        assertThat(SecurityMode.decide(null, false, null).enabled()).isFalse();
    }

    @Test
    void anExplicitSettingWins() {
        assertThat(SecurityMode.decide(false, true, null).enabled()).isFalse();
        assertThat(SecurityMode.decide(true, false, LOOPBACK).enabled()).isTrue();
    }

    @Test
    void runningOpenBeyondLoopbackOrLockedWithoutKeysIsWarnedAbout() {
        assertThat(SecurityMode.decide(null, false, null).warning()).startsWith("SECURITY IS OFF");
        assertThat(SecurityMode.decide(false, true, null).warning()).startsWith("SECURITY IS OFF");
        assertThat(SecurityMode.decide(true, false, null).warning()).contains("every API request will be refused");
        assertThat(SecurityMode.decide(null, false, LOOPBACK).warning()).isNull();
        assertThat(SecurityMode.decide(null, true, null).warning()).isNull();
    }

    @Test
    void keysMatchOnlyByDigestAndCaseOfTheHexDoesNotMatter() {
        String digest = java.util.HexFormat.of().formatHex(ApiKeys.sha256("s3cret"));
        ApiKeys keys = new ApiKeys(List.of(new SecurityProperties.Key("ci", digest.toUpperCase(), Set.of(Role.CLIENT))));

        assertThat(keys.find("s3cret")).map(SecurityProperties.Key::name).contains("ci");
        assertThat(keys.find("s3cret ")).isEmpty();
        assertThat(keys.find(digest)).isEmpty(); // knowing the digest is not knowing the key
    }
}
