package io.siplb.transport.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.transport.demo.DemoCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code siplb check}: every problem, each where it is, nothing bound. */
class ConfigCheckTest {

    @Test
    void theShippedConfigurationIsGood() {
        ConfigCheck.Result result = ConfigCheck.check(Path.of("../config/siplb.properties"), Map.of(),
                List.of("siplb.destinations.file=../config/dispatcher.list"));
        assertThat(result.problems()).isEmpty();
        assertThat(result.summary()).startsWith("2 destinations in 1 sets from ../config/dispatcher.list, 1 routes");
    }

    @Test
    void listsEveryProblemWithItsLineNotTheFirst(@TempDir Path dir) throws Exception {
        Path list = dir.resolve("dispatcher.list");
        Files.write(list, List.of("# set uri", "1 sip:127.0.0.1:5080", "1 notauri", "2 sip:127.0.0.1:5081 x",
                "1 sip:127.0.0.1:5080"));
        DemoCertificate one = DemoCertificate.generate("one.test");
        DemoCertificate two = DemoCertificate.generate("two.test");
        one.write(dir.resolve("one.crt"), dir.resolve("one.key"));
        two.write(dir.resolve("two.crt"), dir.resolve("two.key"));
        Path file = dir.resolve("siplb.properties");
        Files.write(file, List.of(
                "siplb.listen=udp:127.0.0.1:5070,tls:127.0.0.1:5071",
                "siplb.destinations.file=" + list,
                "siplb.bogus.key=1",
                "# a comment that ends in a backslash, which continues nothing \\",
                "siplb.failover.timeout=abc",
                "siplb.probe.interval=-3",
                "siplb.routes=pstn",
                "siplb.route.pstn.sets=7:round-robin",
                "siplb.log.format=xml",
                "siplb.tls.certificate=" + dir.resolve("one.crt"),
                "siplb.tls.key=" + dir.resolve("two.key")));

        ConfigCheck.Result result = ConfigCheck.check(file, Map.of("SIPLB_DNS_TIMEOUT", "soon"),
                List.of("siplb.hep.queue=3", "nonsense"));

        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).containsExactlyInAnyOrder(
                file + ":3: siplb.bogus.key=1: is not a siplb key (in " + file
                        + "); the keys are documented in docs/configuration.md",
                "--set=nonsense: must be key=value",
                file + ":5: siplb.failover.timeout=abc: must be a duration such as 500ms, 2s, 5m or 1h",
                file + ":6: siplb.probe.interval=-3: must be a duration such as 500ms, 2s, 5m or 1h",
                "siplb.hep.queue=3: must be an integer from 16 to 1000000",
                "siplb.dns.timeout=soon: must be a duration such as 500ms, 2s, 5m or 1h",
                file + ":9: siplb.log.format=xml: must be one of text, json",
                list + ":3: invalid URI 'notauri' at offset 7: URI has no scheme",
                list + ":4: flags 'x' is not a number 0..999999999",
                list + ":5: destination sip:127.0.0.1:5080 is already in set 1 (line 2)",
                file + ":8: siplb.route.pstn.sets=7:round-robin: set 7 is not in the destination list",
                file + ":11: siplb.tls.key=" + dir.resolve("two.key") + ": is not the key of the certificate (CN=one.test)"
                        + " in siplb.tls.certificate=" + dir.resolve("one.crt"));
    }

    @Test
    void aSecureListenerWithoutACertificateAndAnUnreadableListAreProblems(@TempDir Path dir) {
        ConfigCheck.Result result = ConfigCheck.check(null, Map.of(), List.of("siplb.listen=wss:127.0.0.1:5443",
                "siplb.destinations.file=" + dir.resolve("missing.list")));
        assertThat(result.problems()).hasSize(2);
        assertThat(result.problems().get(0)).startsWith(dir.resolve("missing.list") + ": cannot read: ");
        assertThat(result.problems().get(1)).isEqualTo("siplb.tls.certificate=: a certificate and key are needed "
                + "for the listener wss:127.0.0.1:5443");
    }

    @Test
    void aFileThatCannotBeReadIsOneProblem(@TempDir Path dir) {
        ConfigCheck.Result result = ConfigCheck.check(dir.resolve("nope.properties"), Map.of(), List.of());
        assertThat(result.problems()).singleElement().asString().startsWith("--config=" + dir.resolve("nope.properties")
                + ": cannot be read");
    }
}
