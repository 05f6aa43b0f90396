package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.transport.destinations.Destinations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** SIGHUP: each part read again on its own, a part that does not read kept, what changed logged. */
class HangupTest {
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger(Hangup.class),
            (Logger) LoggerFactory.getLogger(Destinations.class));

    @BeforeEach
    void listen() {
        log.start();
        loggers.forEach(logger -> logger.addAppender(log));
    }

    @AfterEach
    void stopListening() {
        loggers.forEach(logger -> logger.detachAppender(log));
    }

    @Test
    void reloadsTheListAndTheRoutesAndSaysWhatChanged(@TempDir Path dir) throws Exception {
        Path properties = dir.resolve("siplb.properties");
        Files.writeString(properties, "siplb.routes=a\nsiplb.route.a.sets=1\n");
        try (LoopbackBalancer lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:5091", "1 sip:127.0.0.1:5092"),
                properties)) {
            Hangup hangup = new Hangup(lb.balancer, lb.settings, List::of);
            Files.write(lb.list, List.of("1 sip:127.0.0.1:5092", "1 sip:127.0.0.1:5093", "2 sip:127.0.0.1:5094"));
            Files.writeString(properties, "siplb.routes=a,b\nsiplb.route.a.sets=1\nsiplb.route.b.sets=2\n"
                    + "siplb.probe.interval=20s\nsiplb.admin.token=n3w-s3cret\n");

            assertThat(hangup.reload()).isEmpty();

            assertThat(uris(lb)).containsExactly("sip:127.0.0.1:5092", "sip:127.0.0.1:5093", "sip:127.0.0.1:5094");
            assertThat(lb.balancer.router().names()).containsExactly("a", "b", "default");
            assertThat(messages()).anySatisfy(line -> assertThat(line).endsWith("3 destinations, added "
                    + "[1 sip:127.0.0.1:5093, 2 sip:127.0.0.1:5094], removed [1 sip:127.0.0.1:5091]"));
            assertThat(messages()).contains("SIGHUP: routes were [a, default], now [a, b, default]",
                    "SIGHUP: siplb.probe.interval changed from '10s' to '20s': it takes effect at the next start",
                    "SIGHUP: siplb.admin.token changed (value not shown): it takes effect at the next start");
            assertThat(messages()).noneMatch(line -> line.contains("n3w-s3cret"));
        }
    }

    @Test
    void aPartThatDoesNotReadKeepsWhatIsInForceAndEveryProblemIsLogged(@TempDir Path dir) throws Exception {
        Path properties = dir.resolve("siplb.properties");
        Files.writeString(properties, "siplb.routes=a\nsiplb.route.a.sets=1\n");
        try (LoopbackBalancer lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:5091"), properties)) {
            Hangup hangup = new Hangup(lb.balancer, lb.settings, () -> List.of("first problem", "second problem"));
            Files.write(lb.list, List.of("1 sip:127.0.0.1:5095", "1 notauri", "x sip:127.0.0.1:5096"));
            Files.writeString(properties, "siplb.routes=a\nsiplb.route.a.sets=9\n");

            assertThat(hangup.reload()).containsExactly("destinations", "routes");

            assertThat(uris(lb)).containsExactly("sip:127.0.0.1:5091");
            assertThat(lb.balancer.router().names()).containsExactly("a", "default");
            assertThat(messages()).contains(
                    lb.list + ":2: invalid URI 'notauri' at offset 7: URI has no scheme",
                    lb.list + ":3: set id 'x' is not a number 0..999999999",
                    "SIGHUP: the destinations in force stay (1 destinations)",
                    "SIGHUP: first problem", "SIGHUP: second problem");
            assertThat(messages()).anySatisfy(line -> assertThat(line)
                    .startsWith("SIGHUP: the routes in force stay: siplb.route.a.sets=9: set 9"));
            // the balancer still serves on what it had
            assertThat(lb.balancer.dispatcher().sets()).hasSize(1);
        }
    }

    @Test
    void aRealSighupReloads(@TempDir Path dir) throws Exception {
        try (LoopbackBalancer lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:5091"))) {
            assertThat(new Hangup(lb.balancer, lb.settings, List::of).install()).isTrue();
            Files.write(lb.list, List.of("1 sip:127.0.0.1:5097"));
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
            assertThat(kill.waitFor()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> uris(lb).equals(List.of("sip:127.0.0.1:5097")));
        }
    }

    private List<String> messages() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage)
                .map(line -> line.startsWith("SIGHUP: /") ? line.substring("SIGHUP: ".length()) : line).toList();
    }

    private static List<String> uris(LoopbackBalancer lb) {
        return lb.balancer.dispatcher().definitions().stream().map(DestinationDefinition::uri)
                .map(uri -> uri.text()).sorted().toList();
    }
}
