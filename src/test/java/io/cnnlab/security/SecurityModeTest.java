package io.cnnlab.security;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecurityModeTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void configuredKeysAreRequiredWhereverTheServiceListensAndWhateverTheSwitchSays() throws Exception {
        assertThat(SecurityMode.decide(null, true, null).keysRequired()).isTrue();                 // all interfaces
        assertThat(SecurityMode.decide(null, true, InetAddress.getByName("10.1.2.3")).keysRequired()).isTrue();
        assertThat(SecurityMode.decide(null, true, LOOPBACK).keysRequired()).isTrue();
        SecurityMode switchedOff = SecurityMode.decide(false, true, LOOPBACK);
        assertThat(switchedOff.keysRequired()).isTrue();
        assertThat(switchedOff.warning()).startsWith("cnn.security.enabled=false is ignored");
    }

    @Test
    void withoutKeysOnLoopbackTheServiceIsOpenButAnswersOnlyLoopbackNames() {
        SecurityMode mode = SecurityMode.decide(null, false, LOOPBACK);
        assertThat(mode.keysRequired()).isFalse();
        assertThat(mode.checksHost()).isTrue();
        assertThat(mode.warning()).isNull();
    }

    @Test
    void withoutKeysBeyondLoopbackItRefusesToStartUnlessSwitchedOffExplicitly() throws Exception {
        assertThatThrownBy(() -> SecurityMode.decide(null, false, null))
                .isInstanceOf(SecurityMode.InsecureConfigurationException.class)
                .hasMessageStartingWith("refusing to start: no API keys are configured")
                .hasMessageContaining("cnn.security.keys").hasMessageContaining("server.address=127.0.0.1")
                .hasMessageContaining("cnn.security.enabled=false");
        assertThatThrownBy(() -> SecurityMode.decide(null, false, InetAddress.getByName("10.1.2.3")))
                .isInstanceOf(SecurityMode.InsecureConfigurationException.class);

        SecurityMode explicit = SecurityMode.decide(false, false, null);
        assertThat(explicit.keysRequired()).isFalse();
        assertThat(explicit.checksHost()).isFalse(); // the names it is reached by are the operator's
        assertThat(explicit.warning()).startsWith("SECURITY IS OFF");
    }

    @Test
    void switchedOnWithoutKeysEverythingIsRefused() {
        SecurityMode mode = SecurityMode.decide(true, false, LOOPBACK);
        assertThat(mode.keysRequired()).isTrue();
        assertThat(mode.warning()).contains("every API request will be refused");
    }

    @Test
    void loopbackAuthoritiesAreTheThreeLoopbackNamesWithAnyPort() {
        assertThat(List.of("localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1", "127.0.0.1:65535", "[::1]", "[::1]:8080"))
                .allMatch(OpenModeGuard::isLoopbackAuthority);
        assertThat(java.util.Arrays.asList(null, "", "evil.example", "evil.example:8080", "localhost.evil.example",
                "127.0.0.1.nip.io", "localhost:80x", "localhost:", "[::1]x", "::1", "127.0.0.2", "user@localhost"))
                .noneMatch(OpenModeGuard::isLoopbackAuthority);
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
