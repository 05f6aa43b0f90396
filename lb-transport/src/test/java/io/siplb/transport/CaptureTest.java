package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.micrometer.core.instrument.MeterRegistry;
import io.siplb.transport.capture.HepPacket;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.regex.Pattern;
import java.util.regex.Matcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.Assertions;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * HEP capture to an in-JVM collector, the per-call log and the per-destination metrics, around
 * real calls through a balancer on loopback (sngrep as the collector: {@code SngrepInteropTest}).
 */
class CaptureTest {
    @RegisterExtension
    final Opened opened = new Opened();

    private static void call(CallGenerator caller, int calls) {
        long before = caller.completed() + caller.failed();
        for (int i = 0; i < calls; i++) {
            caller.call(Duration.ZERO);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.completed() + caller.failed() >= before + calls);
    }

    /** Each packet as a {@link #step}. */
    private static List<String> ladder(List<HepPacket> packets, Map<InetSocketAddress, String> names) {
        List<String> ladder = new ArrayList<>();
        for (HepPacket packet : packets) {
            ladder.add(step(packet.payload(), packet.source(), packet.destination(), names));
        }
        return ladder;
    }

    /** One message of a ladder as "what from>to" ({@code INVITE C>L}, {@code 200 B>L}), the ends named by {@code names}. */
    static String step(String message, InetSocketAddress from, InetSocketAddress to, Map<InetSocketAddress, String> names) {
        String first = message.substring(0, message.indexOf("\r\n"));
        String what = first.startsWith("SIP/2.0 ") ? first.substring(8, 11) : first.substring(0, first.indexOf(' '));
        return what + " " + names.getOrDefault(from, from.toString()) + ">" + names.getOrDefault(to, to.toString());
    }

    @Test
    void everyMessageOfACallReachesTheCollectorInOrderWithItsTrueAddressesAndPayload() throws Exception {
        HepCollector collector = opened.add(new HepCollector());
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(pbx), "siplb.event-loops=1",
                "siplb.probe.interval=0", "siplb.hep.collector=" + collector.setting(), "siplb.hep.node-id=2001"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        String callId = caller.call(Duration.ZERO);
        await().atMost(Duration.ofSeconds(5)).until(() -> collector.of(callId).size() >= 13);
        Thread.sleep(200); // nothing more should come
        List<HepPacket> packets = collector.of(callId);
        Map<InetSocketAddress, String> names = Map.of(caller.address(), "C", lb.address, "L", pbx.address(), "B");
        assertThat(ladder(packets, names)).containsExactly("INVITE C>L", "100 L>C", "INVITE L>B", "180 B>L", "180 L>C",
                "200 B>L", "200 L>C", "ACK C>L", "ACK L>B", "BYE C>L", "BYE L>B", "200 B>L", "200 L>C");
        assertThat(collector.errors).isEmpty();
        for (HepPacket packet : packets) {
            assertThat(packet.number(2)).isEqualTo(17);
            assertThat(packet.unsigned(12)).isEqualTo(2001);
            assertThat(packet.payload()).contains("Call-ID: " + callId).endsWith("\r\n\r\n");
            assertThat(packet.epochMicros()).isCloseTo(System.currentTimeMillis() * 1000, Offset
                    .offset(10_000_000L));
        }
        for (int i = 1; i < packets.size(); i++) {
            assertThat(packets.get(i).epochMicros()).isGreaterThanOrEqualTo(packets.get(i - 1).epochMicros());
        }
        // what the balancer sent is the wire's content: the INVITE to B carries our Via on top
        assertThat(packets.get(2).payload()).startsWith("INVITE ").contains("Via: SIP/2.0/UDP 127.0.0.1:"
                + lb.address.getPort());
        assertThat(lb.balancer.metrics().registry().get("siplb.hep.sent").functionCounter().count())
                .isGreaterThanOrEqualTo(13);
    }

    @Test
    void captureByRouteSendsEveryMessageOfThatRoutesCallsAndNothingElse() throws Exception {
        HepCollector collector = opened.add(new HepCollector());
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(pbx), "siplb.probe.interval=0",
                "siplb.routes=trunk", "siplb.route.trunk.match.source=127.0.0.2/32", "siplb.route.trunk.sets=1:round-robin",
                "siplb.hep.collector=" + collector.setting(), "siplb.hep.routes=trunk"));
        CallGenerator trunk = opened.add(new CallGenerator(lb.address, false, "127.0.0.2"));
        CallGenerator other = opened.add(new CallGenerator(lb.address, false));
        call(other, 3);
        call(trunk, 3);
        call(other, 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> collector.packets.size() >= 3 * 13);
        Thread.sleep(300);
        assertThat(collector.packets).hasSize(3 * 13)
                .allSatisfy(packet -> assertThat(packet.text(17)).startsWith("call-" + trunk.address().getPort() + "-"));
    }

    @Test
    void aRouteThatDoesNotExistStopsStartUp() {
        Assertions.assertThatThrownBy(() -> new LoopbackBalancer(List.of("1 sip:127.0.0.1:5 0 0"),
                "siplb.hep.collector=udp:127.0.0.1:9060", "siplb.hep.routes=trunk"))
                .hasMessageContaining("siplb.hep.routes=trunk").hasMessageContaining("names no route 'trunk'");
    }

    @Test
    void aCollectorThatIsGoneCostsNoCallAndIsCounted() throws Exception {
        HepCollector collector = new HepCollector();
        String gone = collector.setting();
        collector.close(); // nobody listens: ICMP port unreachable for every datagram
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(pbx), "siplb.probe.interval=0",
                "siplb.hep.collector=" + gone.replace("udp:", "tcp:"), "siplb.hep.queue=16"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        call(caller, 50);
        assertThat(caller.completed()).isEqualTo(50);
        MeterRegistry registry = lb.balancer.metrics().registry();
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.get("siplb.hep.dropped").functionCounter().count()
                >= 50 * 13);
        assertThat(registry.get("siplb.hep.sent").functionCounter().count()).isZero();
    }

    @Test
    void overTcpEachPacketFollowsTheOtherOnOneConnection() throws Exception {
        ServerSocket collector = opened.add(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        List<HepPacket> packets = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (Socket socket = collector.accept(); DataInputStream in =
                    new DataInputStream(socket.getInputStream())) {
                while (true) {
                    byte[] head = new byte[6];
                    in.readFully(head);
                    int length = (head[4] & 0xff) << 8 | head[5] & 0xff;
                    byte[] packet = Arrays.copyOf(head, length);
                    in.readFully(packet, 6, length - 6);
                    packets.add(HepPacket.decode(packet, length));
                }
            } catch (IOException e) {
                // the balancer closed the connection
            }
        });
        reader.setDaemon(true);
        reader.start();
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(pbx), "siplb.probe.interval=0",
                "siplb.hep.collector=tcp:127.0.0.1:" + collector.getLocalPort(), "siplb.hep.password=s3cret"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        call(caller, 10);
        await().atMost(Duration.ofSeconds(5)).until(() -> packets.size() >= 10 * 13);
        assertThat(packets).hasSize(10 * 13).allSatisfy(packet -> assertThat(packet.text(14)).isEqualTo("s3cret"));
    }

    @Test
    void aCollectorThatStopsReadingCostsNoCallAndItsBacklogIsDroppedAndCounted() throws Exception {
        ServerSocket collector = opened.add(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        Thread accepter = new Thread(() -> {
            try {
                opened.add(collector.accept()); // accepted, never read: the socket buffers fill, then the queue
            } catch (IOException e) {
                // closed
            }
        });
        accepter.setDaemon(true);
        accepter.start();
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(pbx), "siplb.probe.interval=0",
                "siplb.hep.collector=tcp:127.0.0.1:" + collector.getLocalPort(), "siplb.hep.queue=16"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        caller.start(200, Duration.ZERO);
        Thread.sleep(3000);
        caller.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.inProgress() == 0);
        assertThat(caller.failed()).isZero();
        assertThat(caller.completed()).isGreaterThan(400);
        MeterRegistry registry = lb.balancer.metrics().registry();
        assertThat(registry.get("siplb.hep.dropped").functionCounter().count()).isPositive();
        assertThat(registry.get("siplb.hep.sent").functionCounter().count() + registry.get("siplb.hep.dropped")
                .functionCounter().count()).isGreaterThanOrEqualTo(caller.completed() * 13.0 - 17);
    }

    @Test
    void aLinePerTransactionNamesTheRouteEachDestinationTriedAndTheHistogramFills() throws Exception {
        Backend busy = opened.backend("busy", Backend.Behaviour.refusing(1.0));
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        int adminPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            adminPort = socket.getLocalPort();
        }
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(busy, pbx), "siplb.probe.interval=0",
                "siplb.dispatch.algorithm=priority", "siplb.failover.mark=none", "siplb.log.calls=true",
                "siplb.admin.listen=127.0.0.1:" + adminPort));
        CallLog log = opened.add(new CallLog());
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        call(caller, 4);
        assertThat(caller.completed()).isEqualTo(4);
        await().atMost(Duration.ofSeconds(2)).until(() -> log.lines.size() >= 8);
        String from = "from 127.0.0.1:" + caller.address().getPort() + "/udp";
        String busyUri = "sip:127.0.0.1:" + busy.address().getPort();
        String pbxUri = "sip:127.0.0.1:" + pbx.address().getPort();
        assertThat(log.lines).filteredOn(line -> line.startsWith("INVITE ")).hasSize(4).allSatisfy(line -> assertThat(line)
                .matches("INVITE call-\\d+-\\d+@127\\.0\\.0\\.1 " + from + " route default tried "
                        + busyUri + "=503," + pbxUri + "=200 final 200 in \\d+\\.\\d ms"));
        assertThat(log.fields.get(0)).containsKeys("method", "callId", "peer", "route", "tried", "status", "ms")
                .containsEntry("route", "default").containsEntry("status", 200)
                .containsEntry("tried", busyUri + "=503," + pbxUri + "=200")
                // strings and numbers, which the JSON encoder writes as such
                .hasEntrySatisfying("callId", callId -> assertThat(callId).isInstanceOf(String.class))
                .hasEntrySatisfying("ms", ms -> assertThat(ms).isInstanceOf(Double.class));
        assertThat(log.lines).filteredOn(line -> line.startsWith("BYE ")).hasSize(4)
                .allSatisfy(line -> assertThat(line).contains(" tried " + pbxUri + "=200 final 200 in "));

        HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        PrometheusText metrics = PrometheusText.parse(scrape.body());
        assertThat(metrics.types).containsEntry("siplb_destination_response_seconds", "histogram");
        assertThat(metrics.value("siplb_destination_responses_total", "uri", busyUri, "class", "5xx")).isEqualTo(4);
        assertThat(metrics.value("siplb_destination_responses_total", "uri", pbxUri, "class", "2xx")).isEqualTo(8);
        assertThat(metrics.value("siplb_destination_response_seconds_count", "uri", pbxUri)).isEqualTo(8);
        // answered on loopback within milliseconds: the 1 s bucket holds all, the +Inf one too
        assertThat(metrics.value("siplb_destination_response_seconds_bucket", "uri", pbxUri, "le", "1.0")).isEqualTo(8);
        assertThat(metrics.value("siplb_destination_response_seconds_bucket", "uri", pbxUri, "le", "+Inf")).isEqualTo(8);
        assertThat(metrics.value("siplb_route_failovers_total", "route", "default")).isEqualTo(4);
    }

    @Test
    void failoversAreCountedPerRouteWithoutTheCallLog() throws Exception {
        Backend busy = opened.backend("busy", Backend.Behaviour.refusing(1.0));
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(busy, pbx), "siplb.probe.interval=0",
                "siplb.dispatch.algorithm=priority", "siplb.failover.mark=none"));
        call(opened.add(new CallGenerator(lb.address, false)), 3);
        MeterRegistry registry = lb.balancer.metrics().registry();
        assertThat(registry.get("siplb.route.failovers").tag("route", "default").counter().count()).isEqualTo(3);
        assertThat(registry.get("siplb.route.exhausted").tag("route", "default").counter().count()).isZero();
    }

    @Test
    void everyMetricTheDocumentedAlertRulesUseIsServed() throws Exception {
        HepCollector collector = opened.add(new HepCollector());
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        int adminPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            adminPort = socket.getLocalPort();
        }
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(pbx), "siplb.probe.interval=0",
                "siplb.listen=udp:127.0.0.1:0,tcp:127.0.0.1:0;proxy-protocol", "siplb.proxy-protocol.trusted=127.0.0.5",
                "siplb.hep.collector=" + collector.setting(), "siplb.admin.listen=127.0.0.1:" + adminPort));
        call(opened.add(new CallGenerator(lb.address, false)), 1);
        String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        PrometheusText metrics = PrometheusText.parse(scrape);
        Matcher names = Pattern.compile("\\bsiplb_[a-z_]+").matcher(Files.readString(Path.of("../docs/prometheus-alerts.yml")));
        List<String> used = new ArrayList<>();
        while (names.find()) {
            used.add(names.group());
        }
        assertThat(used).hasSizeGreaterThan(5).allSatisfy(name -> assertThat(metrics.has(name)).as(name).isTrue());
    }

    /** The lines of the {@code io.siplb.calls} log while it is open. */
    private static final class CallLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<Map<String, Object>> fields = new CopyOnWriteArrayList<>();
        private final Logger logger = (Logger) LoggerFactory.getLogger("io.siplb.calls");

        CallLog() {
            setContext(logger.getLoggerContext());
            start();
            logger.addAppender(this); // at the level logback.xml gives it
        }

        @Override
        protected void append(ILoggingEvent event) {
            lines.add(event.getFormattedMessage());
            Map<String, Object> pairs = new LinkedHashMap<>();
            event.getKeyValuePairs().forEach(pair -> pairs.put(pair.key, pair.value));
            fields.add(pairs);
        }

        @Override
        public void close() {
            logger.detachAppender(this);
            stop();
        }
    }
}
