package io.siplb.transport.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.epoll.Epoll;
import io.siplb.core.config.ConfigException;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.transport.cluster.ClusterSettings;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.Algorithm;
import io.siplb.core.dispatch.StateThresholds;
import io.siplb.core.sip.SipParserLimits;
import io.siplb.transport.Balancer;
import io.siplb.transport.LoopbackBalancer;
import java.io.IOException;
import java.io.Reader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import io.siplb.core.route.Routes;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

    @Test
    void theShippedPropertiesFileDocumentsEveryKeyWithItsDefault() throws Exception {
        Path file = Path.of("../config/siplb.properties");
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        assertThat(properties.stringPropertyNames()).containsExactlyInAnyOrderElementsOf(ConfigKeys.DEFAULTS.keySet());
        ConfigKeys.DEFAULTS.forEach((key, value) -> assertThat(properties.getProperty(key)).as(key).isEqualTo(value));
        String text = Files.readString(file);
        for (String key : ConfigKeys.DEFAULTS.keySet()) {
            int at = text.indexOf("\n" + key + "=");
            String before = text.substring(0, at);
            assertThat(before.substring(before.lastIndexOf('\n') + 1)).as(key + " has a comment above it").startsWith("#");
        }
        // and the shipped list loads
        assertThat(DestinationListParser.read(Path.of("../config/dispatcher.list"))).hasSize(2);
    }

    /**
     * The reference, {@code docs/configuration.md}, names every key, and neither it nor the
     * shipped file names a {@code siplb.SECTION.…} key siplb does not know (route keys are written
     * with {@code NAME}, families with {@code *}; file names such as {@code siplb.properties} have
     * one dot and are not keys).
     */
    @Test
    void theConfigurationReferenceNamesEveryKeyAndNoOther() throws Exception {
        String reference = Files.readString(Path.of("../docs/configuration.md"));
        for (String key : ConfigKeys.DEFAULTS.keySet()) {
            assertThat(reference).as(key + " in docs/configuration.md").contains("`" + key + "`");
        }
        for (String route : Routes.SUBKEYS) {
            assertThat(reference).as("route key " + route).contains("`siplb.route.NAME." + route + "`");
        }
        Pattern named = Pattern.compile("siplb\\.[A-Za-z0-9_*.-]*[A-Za-z0-9_*]");
        for (String file : List.of("../docs/configuration.md", "../config/siplb.properties")) {
            Matcher matcher = named.matcher(Files.readString(Path.of(file)));
            while (matcher.find()) {
                String name = matcher.group();
                assertThat(known(name)).as(name + " in " + file + " is a siplb key").isTrue();
            }
        }
    }

    private static boolean known(String name) {
        String[] parts = name.split("\\.");
        if (parts.length < 3 || ConfigKeys.DEFAULTS.containsKey(name)) {
            return true; // a key, or a file name (siplb.properties: one dot)
        }
        String route = name.replace("NAME", "x");
        if (Routes.isRouteKey(route) || route.equals("siplb.route.x") || route.equals("siplb.route.x.*")) {
            return true;
        }
        if (name.endsWith(".*")) {
            String prefix = name.substring(0, name.length() - 1);
            return ConfigKeys.DEFAULTS.keySet().stream().anyMatch(key -> key.startsWith(prefix))
                    || Routes.SUBKEYS.stream().anyMatch(sub -> ("siplb.route.x." + sub).startsWith(prefix.replace("NAME", "x")));
        }
        return name.equals("siplb.log.messages"); // a JVM system property of logback.xml, not a key
    }

    /**
     * A default is written once, in ConfigDefaults; the codec and the dispatcher, which know no
     * configuration, keep constants of their own, and these must be what the defaults give.
     */
    @Test
    void theCodecsAndTheDispatchersOwnDefaultsAreTheConfiguredOnes() {
        BalancerSettings defaults = BalancerSettings.from(ConfigValues.defaults(), ConfigValues::defaults);
        assertThat(defaults.parserLimits()).isEqualTo(SipParserLimits.DEFAULT);
        assertThat(defaults.thresholds()).isEqualTo(StateThresholds.DEFAULT);
    }

    @Test
    void fileThenEnvironmentThenSetEachOverrideTheOneBefore(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("siplb.properties");
        Files.writeString(file, "siplb.dispatch.algorithm=weight\nsiplb.failover.timeout=3s\nsiplb.dispatch.limit=4\n");
        ConfigValues config = ConfigLoader.load(file,
                Map.of("SIPLB_FAILOVER_TIMEOUT", "5s", "SIPLB_DISPATCH_LIMIT", "6", "PATH", "/bin"),
                List.of("siplb.dispatch.limit=8"));
        BalancerSettings settings = BalancerSettings.from(config);
        assertThat(settings.proxy().dispatch().algorithm()).isEqualTo(Algorithm.WEIGHT);
        assertThat(settings.proxy().failover().timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.proxy().dispatch().limit()).isEqualTo(8);
        assertThat(ConfigKeys.environmentName("siplb.dialogs.affinity-expiry")).isEqualTo("SIPLB_DIALOGS_AFFINITY_EXPIRY");
    }

    @Test
    void webSocketListenersMayNameTheirPath() {
        BalancerSettings settings = BalancerSettings.from(ConfigLoader.load(null, Map.of(), List.of(
                "siplb.listen=udp:127.0.0.1:5060,wss:[::1]:8443/sip,ws:127.0.0.1:8088",
                "siplb.ws.origins=https://phone.example.com, http://localhost:3000", "siplb.ws.ping-interval=0")));
        assertThat(settings.listen()).containsExactly(new ListenAddress("udp", "127.0.0.1", 5060),
                new ListenAddress("wss", "::1", 8443, "/sip"), new ListenAddress("ws", "127.0.0.1", 8088));
        assertThat(settings.listen().get(1).text()).isEqualTo("wss:[::1]:8443/sip");
        assertThat(settings.streams().origins()).containsExactlyInAnyOrder("https://phone.example.com",
                "http://localhost:3000");
        assertThat(settings.streams().pingInterval()).isZero();
    }

    @Test
    void listenAndAdvertisedAddresses() {
        BalancerSettings settings = BalancerSettings.from(ConfigLoader.load(null, Map.of(), List.of(
                "siplb.listen=udp:127.0.0.1:5062, udp:[::1]:5062", "siplb.advertised-address=lb.example.com")));
        assertThat(settings.listen()).containsExactly(new ListenAddress("udp", "127.0.0.1", 5062),
                new ListenAddress("udp", "::1", 5062));
        assertThat(settings.listen().get(1).hostPort()).isEqualTo("[::1]:5062");
        assertThat(settings.proxy().advertised()).isEqualTo("lb.example.com:5062");
        assertThat(BalancerSettings.from(ConfigLoader.load(null, Map.of(), List.of())).proxy().advertised())
                .isEqualTo("127.0.0.1:5060");
    }

    @Test
    void badInputStopsStartUpNamingKeyValueAndRule() {
        assertBad(List.of("siplb.dispatch.algoritm=4"),
                "siplb.dispatch.algoritm=4: is not a siplb key (in --set)");
        assertBad(List.of("no-equals-sign"), "--set=no-equals-sign: must be key=value");
        assertBad(List.of("siplb.listen=sctp:127.0.0.1:5060"),
                "siplb.listen=sctp:127.0.0.1:5060: transport 'sctp' is not supported (udp, tcp, tls, ws, wss)");
        assertBad(List.of("siplb.listen=tcp:127.0.0.1:5060/sip"),
                "siplb.listen=tcp:127.0.0.1:5060/sip: 'tcp:127.0.0.1:5060/sip': only ws and wss listeners have a path");
        assertBad(List.of("siplb.ws.origins=phone.example.com"),
                "siplb.ws.origins=phone.example.com: 'phone.example.com' is not an origin as browsers send it");
        assertBad(List.of("siplb.ws.origins=https"), "siplb.ws.origins=https: 'https' is not an origin as browsers send it");
        assertBad(List.of("siplb.ws.origins=https://phone.example.com/"),
                "siplb.ws.origins=https://phone.example.com/: 'https://phone.example.com/' is not an origin");
        assertBad(List.of("siplb.ws.ping-interval=500ms"),
                "siplb.ws.ping-interval=500ms: must be 0 (no pings) or from 1s to 1h");
        assertBad(List.of("siplb.tls.certificate=/etc/siplb/cert.pem"),
                "siplb.tls.key=: siplb.tls.certificate and siplb.tls.key are set together");
        assertBad(List.of("siplb.tls.client-auth=always"), "siplb.tls.client-auth=always: must be one of");
        assertBad(List.of("siplb.listen=udp:127.0.0.1"),
                "siplb.listen=udp:127.0.0.1: 'udp:127.0.0.1' needs a port (0 = any free port)");
        assertBad(List.of("siplb.listen=udp:127.0.0.1:99999"), "siplb.listen=udp:127.0.0.1:99999: '127.0.0.1:99999' has no port 0..65535 after the host");
        assertBad(List.of("siplb.listen=udp:127.0.0.1:x"), "siplb.listen=udp:127.0.0.1:x: '127.0.0.1:x' has no port 0..65535");
        assertBad(List.of("siplb.overload.sustain=2m"), "siplb.overload.sustain=2m: must be");
        assertBad(List.of("siplb.protect.trusted=10.0.0.0/8,office"),
                "siplb.protect.trusted=10.0.0.0/8,office: 'office' is not an IP address or address/prefix");
        assertBad(List.of("siplb.warmup.calls=-5"), "siplb.warmup.calls=-5: must be an integer from 0 to 1000000");
        assertBad(List.of("siplb.failover.timeout=fast"), "siplb.failover.timeout=fast: must be a duration");
        assertBad(List.of("siplb.record-route=yes"), "siplb.record-route=yes: must be one of true, false");
        assertBad(List.of("siplb.event-loops=-1"), "siplb.event-loops=-1: must be an integer from 0 to 256");
        assertBad(List.of("siplb.parser.max-headers=2"), "siplb.parser.max-headers=2: must be an integer from 8 to 4096");
    }

    /** The cluster's keys: a bad one stops start-up; none set is a single node. */
    @Test
    void clusterSettingsAreCheckedAtStart() {
        assertBad(List.of("siplb.cluster.redis=localhost:6379"), "siplb.cluster.redis=localhost:6379: must be redis://");
        assertBad(List.of("siplb.cluster.redis=redis://"), "siplb.cluster.redis=redis://: must be redis://");
        assertBad(List.of("siplb.cluster.redis=redis://host:port"), "siplb.cluster.redis=redis://host:port: must be redis://");
        assertBad(List.of("siplb.cluster.node-id=lb one"), "siplb.cluster.node-id=lb one: must be 1 to 64 letters");
        assertBad(List.of("siplb.cluster.sync=20ms"), "siplb.cluster.sync=20ms: must be at least 50ms");
        assertBad(List.of("siplb.cluster.ttl=300ms"), "siplb.cluster.ttl=300ms: must be at least twice siplb.cluster.sync (400ms)");
        assertBad(List.of("siplb.cluster.probe=some"), "siplb.cluster.probe=some: must be one of each, shared");
        assertBad(List.of("siplb.cluster.prefix=my prefix"), "siplb.cluster.prefix=my prefix: must be 1 to 64");
        ClusterSettings single = BalancerSettings.from(ConfigLoader.load(null, Map.of(), List.of())).cluster();
        assertThat(single.enabled()).isFalse();
        assertThat(single.nodeId()).endsWith(":5060");
        ClusterSettings shared = BalancerSettings.from(ConfigLoader.load(null, Map.of(), List.of(
                "siplb.cluster.redis=redis://:secret@10.0.0.9:6380/2", "siplb.cluster.sync=100ms",
                "siplb.cluster.node-id=lb-1"))).cluster();
        assertThat(shared.ttl()).isEqualTo(Duration.ofMillis(300));
        assertThat(shared.storeText()).isEqualTo("redis://10.0.0.9:6380/2").doesNotContain("secret");
        assertThat(shared.redis().getDatabase()).isEqualTo(2);
        ClusterSettings sentinel = BalancerSettings.from(ConfigLoader.load(null, Map.of(), List.of(
                "siplb.cluster.redis=redis-sentinel://10.0.0.7:26379,10.0.0.8:26379/0#mymaster"))).cluster();
        assertThat(sentinel.storeText()).isEqualTo("redis-sentinel://10.0.0.7:26379,10.0.0.8:26379/0#mymaster");
    }

    @Test
    void captureAndProxyProtocolSettingsAreCheckedAtStart() {
        assertBad(List.of("siplb.hep.collector=10.0.0.5:9060"), "siplb.hep.collector=10.0.0.5:9060: must be udp:host:port");
        assertBad(List.of("siplb.hep.collector=sctp:10.0.0.5:9060"), "siplb.hep.collector=sctp:10.0.0.5:9060: must be udp:");
        assertBad(List.of("siplb.hep.collector=udp:10.0.0.5"), "siplb.hep.collector=udp:10.0.0.5: must be udp:host:port");
        assertBad(List.of("siplb.hep.collector=udp:10.0.0.5:99999"), "siplb.hep.collector=udp:10.0.0.5:99999: '10.0.0.5:99999' has no port");
        assertBad(List.of("siplb.hep.collector=udp:no-such-host.invalid:9060"),
                "siplb.hep.collector=udp:no-such-host.invalid:9060: host 'no-such-host.invalid' does not resolve");
        assertBad(List.of("siplb.hep.node-id=-1"), "siplb.hep.node-id=-1");
        assertBad(List.of("siplb.hep.queue=2"), "siplb.hep.queue=2");
        assertBad(List.of("siplb.log.calls=yes"), "siplb.log.calls=yes: must be one of true, false");
        assertBad(List.of("siplb.listen=udp:127.0.0.1:5060;proxy-protocol"),
                "siplb.listen=udp:127.0.0.1:5060;proxy-protocol: 'udp:127.0.0.1:5060;proxy-protocol': the PROXY protocol is for stream listeners");
        assertBad(List.of("siplb.listen=tcp:127.0.0.1:5060;proxy"),
                "siplb.listen=tcp:127.0.0.1:5060;proxy: 'tcp:127.0.0.1:5060;proxy': unknown flag 'proxy'");
        assertBad(List.of("siplb.listen=tcp:127.0.0.1:5060;proxy-protocol"),
                "siplb.proxy-protocol.trusted=: a listener with ;proxy-protocol needs the addresses of the balancers");
        assertBad(List.of("siplb.proxy-protocol.trusted=10.0.0.0/33"), "siplb.proxy-protocol.trusted=10.0.0.0/33: '10.0.0.0/33' needs a prefix");
        BalancerSettings behind = BalancerSettings.from(ConfigLoader.load(null, Map.of(), List.of(
                "siplb.listen=udp:0.0.0.0:5060,wss:0.0.0.0:8443/sip;proxy-protocol",
                "siplb.proxy-protocol.trusted=10.0.0.0/8, 192.0.2.1")));
        assertThat(behind.listen().get(1).proxyProtocol()).isTrue();
        assertThat(behind.listen().get(1).path()).isEqualTo("/sip");
        assertThat(behind.listen().get(1).text()).isEqualTo("wss:0.0.0.0:8443/sip");
        assertThat(behind.streams().proxyTrusted()).hasSize(2);
    }

    private static void assertBad(List<String> sets, String message) {
        assertThatThrownBy(() -> BalancerSettings.from(ConfigLoader.load(null, Map.of(), sets)))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }

    @Test
    void anUnknownKeyInTheFileIsNamedWithItsValue(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("siplb.properties");
        Files.writeString(file, "siplb.dispatch.algoritm = hash-callid\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), List.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("siplb.dispatch.algoritm=hash-callid: is not a siplb key (in " + file);
    }

    @Test
    void aMatchValueWhoseBackslashThePropertiesFormatDroppedStopsStartUpWithTheDoubledForm(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("siplb.properties");
        Files.writeString(file, "siplb.routes=pstn\n"
                + "siplb.route.pstn.match.ruri-user=^\\+?[0-9]{8,15}$\n"
                + "siplb.route.pstn.sets=1\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), List.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("siplb.route.pstn.match.ruri-user=^\\+?[0-9]{8,15}$: a backslash in a "
                        + "properties file escapes the next character and is dropped (this reads as ^+?[0-9]{8,15}$); "
                        + "write ^\\\\+?[0-9]{8,15}$ for a backslash in the value");

        // written doubled, the pattern is the one meant and matches a number with its plus
        Files.writeString(file, "siplb.routes=pstn\n"
                + "siplb.route.pstn.match.ruri-user = ^\\\\+?[0-9]{8,15}$\n"
                + "siplb.route.pstn.match.ruri-host=\\u0070bx.example.com\n"
                + "siplb.route.pstn.sets=1\n");
        ConfigValues config = ConfigLoader.load(file, Map.of(), List.of());
        assertThat(config.string("siplb.route.pstn.match.ruri-user", "")).isEqualTo("^\\+?[0-9]{8,15}$");
        assertThat(Pattern.compile(config.string("siplb.route.pstn.match.ruri-user", ""))
                .matcher("+15550100123").find()).isTrue();
        assertThat(config.string("siplb.route.pstn.match.ruri-host", "")).isEqualTo("pbx.example.com");

        // a continued line is checked as one value; other keys keep the properties format's rules
        Files.writeString(file, "siplb.routes=pstn\n"
                + "siplb.route.pstn.match.ruri-host=^pbx\\\n"
                + "    \\.example$\n"
                + "siplb.route.pstn.sets=1\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), List.of())).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("siplb.route.pstn.match.ruri-host=^pbx\\.example$: ");
    }

    @Test
    void anUnreadableFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("absent.properties"), Map.of(), List.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("absent.properties: cannot be read");
    }

    @Test
    void aBrokenDestinationListStopsStartUpWithFileAndLine(@TempDir Path dir) throws IOException {
        Path list = dir.resolve("bad.list");
        Files.writeString(list, "1 sip:127.0.0.1:5070\n1 sip:127.0.0.1:5080 0 0 weight=lots\n");
        BalancerSettings settings = BalancerSettings.from(ConfigLoader.load(null, Map.of(),
                List.of("siplb.destinations.file=" + list, "siplb.listen=udp:127.0.0.1:" + LoopbackBalancer.freePort(),
                        "siplb.admin.listen=")));
        assertThatThrownBy(() -> Balancer.start(settings))
                .isInstanceOf(DestinationListException.class)
                .hasMessage(list + ":2: attribute weight=lots must be an integer 0..1000000");
    }

    @Test
    void aPortInUseStopsStartUpWithTheAddress() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            BalancerSettings settings = BalancerSettings.from(ConfigLoader.load(null, Map.of(), List.of(
                    "siplb.destinations.file=../config/dispatcher.list",
                    "siplb.listen=udp:127.0.0.1:" + taken.getLocalPort(), "siplb.event-loops=1", "siplb.admin.listen=")));
            if (Epoll.isAvailable()) {
                // SO_REUSEPORT lets a second socket share a port only with the same user and option
                // set; a plain socket holding it still refuses the bind
                assertThatThrownBy(() -> Balancer.start(settings)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("cannot bind udp 127.0.0.1:" + taken.getLocalPort());
            } else {
                assertThatThrownBy(() -> Balancer.start(settings)).isInstanceOf(IllegalStateException.class);
            }
        }
    }
}
