package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static ConfigValues config(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return new ConfigValues(map);
    }

    @Test
    void defaultsAreTheDesignDefaults() {
        assertThat(DispatchSettings.from(config()))
                .isEqualTo(new DispatchSettings(1, Algorithm.ROUND_ROBIN, 0, HashMode.KAMAILIO, null));
        FailoverSettings failover = FailoverSettings.from(config());
        assertThat(failover.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(failover.inviteTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(failover.mark()).isEqualTo(FailureMark.INACTIVE);
        assertThat(failover.exhaustedReply()).isEqualTo(503);
        assertThat(failover.codes().failsOver(503)).isTrue();
        assertThat(failover.codes().failsOver(408)).isTrue();
        assertThat(failover.codes().failsOver(486)).isFalse();
        assertThat(failover.codes().failsOver(200)).isFalse();
    }

    @Test
    void valuesAreReadByNumberOrName() {
        DispatchSettings settings = DispatchSettings.from(config("siplb.dispatch.set", "3",
                "siplb.dispatch.algorithm", "7", "siplb.dispatch.limit", "2",
                "siplb.dispatch.hash-mode", "Rendezvous", "siplb.dispatch.hash-header", "X-Tenant"));
        assertThat(settings).isEqualTo(new DispatchSettings(3, Algorithm.HASH_HEADER, 2, HashMode.RENDEZVOUS, "X-Tenant"));
        FailoverSettings failover = FailoverSettings.from(config("siplb.failover.codes", "500-502, 6xx,486",
                "siplb.failover.timeout", "500ms", "siplb.failover.invite-timeout", "3m",
                "siplb.failover.mark", "trying", "siplb.failover.exhausted-reply", "480"));
        assertThat(failover.codes().failsOver(502)).isTrue();
        assertThat(failover.codes().failsOver(503)).isFalse();
        assertThat(failover.codes().failsOver(603)).isTrue();
        assertThat(failover.codes().failsOver(486)).isTrue();
        assertThat(failover.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(failover.inviteTimeout()).isEqualTo(Duration.ofMinutes(3));
        assertThat(failover.mark()).isEqualTo(FailureMark.TRYING);
        assertThat(failover.exhaustedReply()).isEqualTo(480);
    }

    @Test
    void badValuesNameTheKeyTheValueAndTheRule() {
        assertBad(() -> DispatchSettings.from(config("siplb.dispatch.algorithm", "fastest")),
                "siplb.dispatch.algorithm=fastest: 'fastest' is not an algorithm: use one of 0 hash-callid");
        assertBad(() -> DispatchSettings.from(config("siplb.dispatch.limit", "-1")),
                "siplb.dispatch.limit=-1: must be an integer from 0 to 1000000");
        assertBad(() -> DispatchSettings.from(config("siplb.dispatch.set", "one")),
                "siplb.dispatch.set=one: must be an integer from 0 to 2147483647");
        assertBad(() -> DispatchSettings.from(config("siplb.dispatch.hash-mode", "consistent")),
                "siplb.dispatch.hash-mode=consistent: must be one of kamailio, rendezvous");
        assertBad(() -> DispatchSettings.from(config("siplb.dispatch.algorithm", "hash-header")),
                "siplb.dispatch.hash-header=: must name a header when siplb.dispatch.algorithm is 7 (hash-header)");
        assertBad(() -> FailoverSettings.from(config("siplb.failover.codes", "5xx,200")),
                "siplb.failover.codes=5xx,200: '200' must lie within 300..699");
        assertBad(() -> FailoverSettings.from(config("siplb.failover.codes", "server-errors")),
                "siplb.failover.codes=server-errors: 'server-errors' is not a code (408), class (5xx) or range (500-599)");
        assertBad(() -> FailoverSettings.from(config("siplb.failover.timeout", "2 seconds")),
                "siplb.failover.timeout=2 seconds: must be a duration such as 500ms, 2s, 5m or 1h");
        assertBad(() -> FailoverSettings.from(config("siplb.failover.timeout", "10ms")),
                "siplb.failover.timeout=10ms: must be from 100ms to 5m");
        assertBad(() -> FailoverSettings.from(config("siplb.failover.mark", "dead")),
                "siplb.failover.mark=dead: must be one of none, trying, inactive");
        assertBad(() -> FailoverSettings.from(config("siplb.failover.exhausted-reply", "200")),
                "siplb.failover.exhausted-reply=200: must be an integer from 300 to 699");
    }

    private static void assertBad(Runnable read, String message) {
        assertThatThrownBy(read::run).isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }

    @Test
    void configValuesReportTheirKey() {
        ConfigException e = (ConfigException) Assertions.catchThrowable(
                () -> new ConfigValues(Map.of("k", "x")).integer("k", 0, 0, 1));
        assertThat(e.key()).isEqualTo("k");
        assertThat(e.value()).isEqualTo("x");
        assertThat(ConfigValues.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(ConfigValues.format(Duration.ofMinutes(2))).isEqualTo("2m");
    }
}
