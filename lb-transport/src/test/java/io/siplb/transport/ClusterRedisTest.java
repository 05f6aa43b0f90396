package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.core.cluster.ClusterStatus;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.Drain;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import io.siplb.transport.protect.SourceGuard;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several balancers sharing one real Redis (Debian's {@code redis-server}, started here on a free
 * loopback port, no persistence): the call limit of a destination across nodes, a node killed
 * with SIGKILL, bans, shared probing, Redis killed and restarted under traffic, a Redis that is
 * not there at start, and a reload asked of every node.
 */
@Tag("interop")
class ClusterRedisTest {
    @RegisterExtension
    final Opened opened = new Opened();

    private RedisServer redis() throws Exception {
        return opened.add(new RedisServer());
    }

    private LoopbackBalancer node(RedisServer redis, String id, List<String> lines, String... extra) {
        List<String> settings = new ArrayList<>(List.of("siplb.cluster.redis=" + redis.uri(),
                "siplb.cluster.node-id=" + id, "siplb.cluster.sync=200ms", "siplb.admin.listen=127.0.0.1:0",
                "siplb.probe.interval=0"));
        settings.addAll(List.of(extra));
        return opened.add(new LoopbackBalancer(lines, settings.toArray(String[]::new)));
    }

    private static void awaitMembers(int count, LoopbackBalancer... nodes) {
        awaitMembers(Duration.ofSeconds(5), count, nodes);
    }

    private static void awaitMembers(Duration within, int count, LoopbackBalancer... nodes) {
        await().atMost(within).untilAsserted(() -> {
            for (LoopbackBalancer node : nodes) {
                assertThat(node.balancer.cluster().status().members()).as(node.balancer.cluster().nodeId())
                        .hasSize(count);
            }
        });
    }

    /**
     * One destination with maxload=30 behind three nodes, calls held 5 s offered through all three
     * at 20/s each: the destination never holds more than 30 plus the documented bound, the calls
     * other nodes start within two sync intervals (2 nodes x 20/s x 0.4 s = 16). Three islands
     * would let about 90 through.
     */
    @Test
    void maxloadHoldsAcrossThreeNodes() throws Exception {
        RedisServer redis = redis();
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        List<String> lines = List.of("1 sip:127.0.0.1:" + pbx.address().getPort() + " 0 0 duid=pbx;maxload=30");
        List<LoopbackBalancer> nodes = new ArrayList<>();
        for (String id : List.of("a", "b", "c")) {
            nodes.add(node(redis, id, lines, "siplb.dispatch.algorithm=call-load"));
        }
        awaitMembers(3, nodes.toArray(LoopbackBalancer[]::new));
        List<CallGenerator> callers = new ArrayList<>();
        for (LoopbackBalancer node : nodes) {
            CallGenerator caller = opened.add(new CallGenerator(node.address, false));
            callers.add(caller);
        }
        callers.forEach(caller -> caller.start(20, Duration.ofSeconds(5)));
        long most = 0;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4500);
        while (System.nanoTime() < until) {
            most = Math.max(most, pbx.answered() - pbx.byes());
            Thread.sleep(5);
        }
        callers.forEach(CallGenerator::stop);
        System.out.printf("maxload 30 across 3 nodes at 3 x 20 calls/s: the destination held at most %d calls%n", most);
        assertThat(most).as("calls held at once by the destination").isGreaterThanOrEqualTo(30).isLessThanOrEqualTo(30 + 16);
        for (CallGenerator caller : callers) {
            assertThat(caller.finalStatuses()).as("every node refused calls over the shared limit").containsKey(503);
        }
    }

    /**
     * A node killed with SIGKILL says no goodbye: its share of a destination's calls frees within
     * the TTL (600 ms) plus a sync, and with shared probing another node probes what it probed.
     */
    @Test
    void aKilledNodesShareFreesWithinTheTtl() throws Exception {
        RedisServer redis = redis();
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        String line = "1 sip:127.0.0.1:" + pbx.address().getPort() + " 0 0 duid=pbx;maxload=100";
        LoopbackBalancer a = node(redis, "a", List.of(line), "siplb.cluster.probe=shared", "siplb.probe.interval=300ms",
                "siplb.dispatch.algorithm=call-load");
        Path list = Files.createTempFile("siplb-child-", ".list");
        Files.write(list, List.of(line));
        int port = LoopbackBalancer.freePort();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-cp", System.getProperty("java.class.path"), "io.siplb.transport.cli.SiplbCli",
                "--set", "siplb.listen=udp:127.0.0.1:" + port, "--set", "siplb.destinations.file=" + list,
                "--set", "siplb.admin.listen=", "--set", "siplb.warmup.calls=0", "--set", "siplb.event-loops=1",
                "--set", "siplb.cluster.redis=" + redis.uri(), "--set", "siplb.cluster.node-id=doomed",
                "--set", "siplb.cluster.probe=shared", "--set", "siplb.probe.interval=300ms",
                "--set", "siplb.dispatch.algorithm=call-load")
                .redirectErrorStream(true).redirectOutput(new File(list + ".log")).start();
        try {
            // a second JVM starting cold: on a busy two-core machine it once had not reached Redis
            // 5 s after it was started, the time the in-process nodes get (what is timed below
            // starts at the kill)
            awaitMembers(Duration.ofSeconds(30), 2, a);
            Destination seen = a.balancer.dispatcher().sets().get(0).destinations().get(0);
            CallGenerator caller = opened.add(new CallGenerator(new InetSocketAddress("127.0.0.1", port), false));
            for (int i = 0; i < 10; i++) {
                caller.call(Duration.ofSeconds(60));
            }
            await().atMost(5, TimeUnit.SECONDS).until(() -> a.balancer.dispatcher().sets().get(0).destinations().get(0)
                    .remoteLoad() == 10);
            assertThat(seen.localLoad()).isZero();
            long killed = System.nanoTime();
            child.destroyForcibly(); // SIGKILL
            await().atMost(3, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10))
                    .until(() -> a.balancer.dispatcher().sets().get(0).destinations().get(0).remoteLoad() == 0);
            long freedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            System.out.printf("a SIGKILLed node's 10 calls freed on the survivor after %d ms (TTL 600 ms, sync 200 ms)%n",
                    freedMillis);
            assertThat(freedMillis).isLessThan(1_500);
            assertThat(a.balancer.cluster().status().members()).hasSize(1);
            assertThat(a.balancer.cluster().probes(seen)).as("the survivor probes what the dead node probed").isTrue();
            long before = pbx.requests("OPTIONS");
            await().atMost(3, TimeUnit.SECONDS).until(() -> pbx.requests("OPTIONS") > before);
        } finally {
            child.destroyForcibly();
            child.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /**
     * A ban decided on one node — by an operator through its admin API, or by the rate limit — is
     * applied by the others within a second; lifting it through any node lifts it everywhere.
     */
    @Test
    void aBanOnOneNodeReachesEveryNodeWithinASecond() throws Exception {
        RedisServer redis = redis();
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        List<String> lines = LoopbackBalancer.lines(List.of(pbx));
        LoopbackBalancer a = node(redis, "a", lines, "siplb.protect.rate=5", "siplb.protect.window=10s");
        LoopbackBalancer b = node(redis, "b", lines);
        LoopbackBalancer c = node(redis, "c", lines);
        awaitMembers(3, a, b, c);
        InetAddress scanner = InetAddress.getByName("127.0.0.5");
        long asked = System.nanoTime();
        assertThat(post(a, "/protect/ban?source=127.0.0.5&for=5m").statusCode()).isEqualTo(200);
        await().atMost(1, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(5)).until(() -> banned(b, scanner)
                && banned(c, scanner));
        System.out.printf("a ban through node a's admin API was in force on b and c after %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked));
        // and it is enforced there: the source's requests are dropped unanswered
        try (RawPeer peer = new RawPeer("127.0.0.5")) {
            long dropped = b.balancer.guard().dropped(SourceGuard.Reason.BANNED);
            peer.send(b.address, options("127.0.0.5", peer.port()));
            await().atMost(2, TimeUnit.SECONDS).until(() -> b.balancer.guard().dropped(SourceGuard.Reason.BANNED) > dropped);
            assertThat(pbx.requests("OPTIONS")).isZero();
        }
        assertThat(post(c, "/protect/unban?source=127.0.0.5").statusCode()).isEqualTo(200);
        await().atMost(1, TimeUnit.SECONDS).until(() -> !banned(a, scanner) && !banned(b, scanner));

        // a ban the rate limit decides on a: a flood of 10 requests from 127.0.0.6 (rate 5 per 10 s)
        InetAddress flooder = InetAddress.getByName("127.0.0.6");
        try (RawPeer peer = new RawPeer("127.0.0.6")) {
            for (int i = 0; i < 10; i++) {
                peer.send(a.address, options("127.0.0.6", peer.port()));
            }
        }
        await().atMost(2, TimeUnit.SECONDS).until(() -> banned(a, flooder));
        await().atMost(1, TimeUnit.SECONDS).until(() -> banned(b, flooder) && banned(c, flooder));
        assertThat(b.balancer.guard().bans()).filteredOn(ban -> ban.source().equals(flooder))
                .extracting(SourceGuard.Ban::reason).containsExactly(SourceGuard.Reason.RATE);
    }

    /**
     * {@code probe=shared}: each destination receives OPTIONS from one node only; when that node
     * leaves, another probes it within seconds.
     */
    @Test
    void sharedProbingSendsEachDestinationOneNodesProbes() throws Exception {
        RedisServer redis = redis();
        List<Backend> pbxs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pbxs.add(opened.backend("pbx" + i, Backend.Behaviour.HEALTHY));
        }
        List<String> lines = LoopbackBalancer.lines(pbxs);
        List<LoopbackBalancer> nodes = new ArrayList<>();
        for (String id : List.of("a", "b", "c")) {
            nodes.add(node(redis, id, lines, "siplb.cluster.probe=shared", "siplb.probe.interval=300ms",
                    "siplb.event-loops=1"));
        }
        awaitMembers(3, nodes.toArray(LoopbackBalancer[]::new));
        pbxs.forEach(Backend::clearSources);
        Thread.sleep(2_000);
        Set<Integer> nodePorts = nodes.stream().map(n -> n.address.getPort()).collect(Collectors.toSet());
        Set<Integer> probing = new HashSet<>();
        for (Backend pbx : pbxs) {
            Set<Integer> from = pbx.sources("OPTIONS").stream().map(InetSocketAddress::getPort).collect(Collectors.toSet());
            assertThat(from).as(pbx.name() + " probed by").hasSize(1);
            assertThat(nodePorts).containsAll(from);
            probing.addAll(from);
        }
        assertThat(probing).as("the six destinations spread over the nodes").hasSizeGreaterThan(1);
        int ownerPort = pbxs.get(0).sources("OPTIONS").iterator().next().getPort();
        LoopbackBalancer owner = nodes.stream().filter(n -> n.address.getPort() == ownerPort).findFirst().orElseThrow();
        owner.close();
        pbxs.get(0).clearSources();
        await().atMost(3, TimeUnit.SECONDS).until(() -> !pbxs.get(0).sources("OPTIONS").isEmpty());
        assertThat(pbxs.get(0).sources("OPTIONS")).extracting(InetSocketAddress::getPort).doesNotContain(ownerPort);
    }

    /**
     * Redis killed with SIGKILL mid-run and started again: no call fails, and the nodes see each
     * other again once it is back.
     */
    @Test
    void redisKilledAndRestartedCostsNoCall() throws Exception {
        RedisServer redis = redis();
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        List<String> lines = List.of("1 sip:127.0.0.1:" + pbx.address().getPort() + " 0 0 duid=pbx;maxload=1000");
        LoopbackBalancer a = node(redis, "a", lines, "siplb.dispatch.algorithm=call-load");
        LoopbackBalancer b = node(redis, "b", lines, "siplb.dispatch.algorithm=call-load");
        awaitMembers(2, a, b);
        CallGenerator toA = opened.add(new CallGenerator(a.address, false));
        CallGenerator toB = opened.add(new CallGenerator(b.address, false));
        toA.start(20, Duration.ofMillis(300));
        toB.start(20, Duration.ofMillis(300));
        Thread.sleep(1_500);
        redis.kill();
        Thread.sleep(2_000);
        assertThat(a.balancer.cluster().status().connected()).isFalse();
        assertThat(a.balancer.cluster().status().members()).as("b aged out of a's view").hasSize(1);
        redis.start();
        awaitMembers(2, a, b);
        Thread.sleep(1_000);
        toA.stop();
        toB.stop();
        await().atMost(5, TimeUnit.SECONDS).until(() -> toA.inProgress() == 0 && toB.inProgress() == 0);
        assertThat(toA.started() + toB.started()).isGreaterThan(150);
        assertThat(toA.failed() + toB.failed()).as("calls failed").isZero();
    }

    /** No Redis where the URI points: the node starts, serves alone, and says so. */
    @Test
    void aRedisThatIsNotThereLeavesASingleNodeServing() throws Exception {
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        int nobody = LoopbackBalancer.freePort();
        LoopbackBalancer a = opened.add(new LoopbackBalancer(LoopbackBalancer.lines(List.of(pbx)),
                "siplb.cluster.redis=redis://127.0.0.1:" + nobody, "siplb.cluster.node-id=alone",
                "siplb.cluster.probe=shared"));
        CallGenerator caller = opened.add(new CallGenerator(a.address, false));
        String callId = caller.call(Duration.ofMillis(100));
        await().atMost(5, TimeUnit.SECONDS).until(() -> caller.outcome(callId) != null);
        assertThat(caller.outcome(callId)).isEqualTo(CallGenerator.Outcome.COMPLETED);
        await().atMost(5, TimeUnit.SECONDS).until(() -> !a.balancer.cluster().status().problem().isEmpty());
        ClusterStatus status = a.balancer.cluster().status();
        assertThat(status.connected()).isFalse();
        assertThat(status.problem()).contains("refused");
        assertThat(a.balancer.cluster().probes(a.balancer.dispatcher().sets().get(0).destinations().get(0)))
                .as("alone, it probes everything").isTrue();
    }

    /** {@code POST /dispatcher/reload?cluster=1} on one node: every node reloads its own list. */
    @Test
    void aReloadAskedOfTheClusterReachesEveryNode() throws Exception {
        RedisServer redis = redis();
        Backend one = opened.backend("one", Backend.Behaviour.HEALTHY);
        Backend two = opened.backend("two", Backend.Behaviour.HEALTHY);
        LoopbackBalancer a = node(redis, "a", LoopbackBalancer.lines(List.of(one)));
        LoopbackBalancer b = node(redis, "b", LoopbackBalancer.lines(List.of(one)));
        awaitMembers(2, a, b);
        Files.write(b.list, LoopbackBalancer.lines(List.of(one, two)));
        assertThat(post(a, "/dispatcher/reload?cluster=1").body()).contains("\"cluster\":true");
        await().atMost(1, TimeUnit.SECONDS).until(() -> b.balancer.dispatcher().definitions().size() == 2);
    }

    /** A destination drained on one node drains on every node within a second, and so does its end. */
    @Test
    void aDrainOnOneNodeReachesEveryNode() throws Exception {
        RedisServer redis = redis();
        Backend one = opened.backend("one", Backend.Behaviour.HEALTHY);
        LoopbackBalancer a = node(redis, "a", LoopbackBalancer.lines(List.of(one)));
        LoopbackBalancer b = node(redis, "b", LoopbackBalancer.lines(List.of(one)));
        awaitMembers(2, a, b);
        String uri = "sip:127.0.0.1:" + one.address().getPort();
        assertThat(post(a, "/dispatcher/state?set=1&uri=" + uri + "&state=drain").statusCode()).isEqualTo(200);
        Destination there = b.balancer.dispatcher().find(1, uri).orElseThrow();
        await().atMost(1, TimeUnit.SECONDS).until(() -> there.drain() == Drain.OPERATOR);
        assertThat(there.usable()).isFalse();
        post(a, "/dispatcher/state?set=1&uri=" + uri + "&state=a");
        await().atMost(1, TimeUnit.SECONDS).until(() -> there.drain() == Drain.NONE);
    }

    /** With {@code probe=shared} one node hears a destination's reported load; every node uses it. */
    @Test
    void aLoadReportedToTheProbingNodeReachesEveryNode() throws Exception {
        RedisServer redis = redis();
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        pbx.answerOptionsWith("X-FS-Calls: 12", "X-FS-Max-Calls: 40");
        String[] shared = {"siplb.cluster.probe=shared", "siplb.probe.interval=300ms", "siplb.probe.mode=1",
            "siplb.probe.load-header=X-FS-Calls", "siplb.probe.capacity-header=X-FS-Max-Calls"};
        LoopbackBalancer a = node(redis, "a", LoopbackBalancer.lines(List.of(pbx)), shared);
        LoopbackBalancer b = node(redis, "b", LoopbackBalancer.lines(List.of(pbx)), shared);
        awaitMembers(2, a, b);
        for (LoopbackBalancer node : List.of(a, b)) {
            Destination d = node.balancer.dispatcher().sets().get(0).destinations().get(0);
            await().atMost(5, TimeUnit.SECONDS).until(() -> d.reportedLoad() != null && d.reportedLoad().calls() == 12);
            assertThat(d.reportedLoad().capacity()).isEqualTo(40);
        }
    }

    /**
     * What a node starting later must know: the drains in force (kept in Redis), and the NAT flow
     * key the nodes agreed on — a phone registered through one node is reached through another.
     */
    @Test
    void aLaterNodeTakesTheDrainsInForceAndEveryNodeVerifiesTheOthersFlowTokens() throws Exception {
        RedisServer redis = redis();
        RawPeer registrar = opened.add(new RawPeer());
        RawPeer phone = opened.add(new RawPeer());
        String uri = "sip:127.0.0.1:" + registrar.port();
        List<String> lines = List.of("1 " + uri + " 0 1 duid=registrar");
        // both behind one virtual address (keepalived, a Kubernetes Service): either may get the call
        LoopbackBalancer a = node(redis, "a", lines, "siplb.advertised-address=sip.example.com:5060");
        LoopbackBalancer b = node(redis, "b", lines, "siplb.advertised-address=sip.example.com:5060");
        phone.send(a.address, "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.3:5060;rport;branch="
                + SipText.branch() + "\r\nFrom: <sip:alice@example.com>;tag=r1\r\nTo: <sip:alice@example.com>\r\n"
                + "Call-ID: reg-cluster@test\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.0.0.3:5060>\r\n"
                + "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        String register = registrar.receive();
        String path = SipText.header(register, "Path");
        assertThat(path).as("a Path with a flow token").matches("<sip:[A-Za-z0-9_-]{24}@sip.example.com:5060;lr>");
        registrar.send(a.address, SipText.response(register, 200, "OK", "reg1", null));
        assertThat(SipText.status(phone.receive())).isEqualTo(200);
        // the registrar's call, sent to node b along node a's Path: b verifies a's token
        registrar.send(b.address, "INVITE sip:alice@127.0.0.3:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:"
                + registrar.port() + ";branch=" + SipText.branch() + "\r\nRoute: " + path
                + "\r\nFrom: <sip:bob@example.com>;tag=b1\r\nTo: <sip:alice@example.com>\r\n"
                + "Call-ID: cluster-nat@test\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1:" + registrar.port()
                + ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        assertThat(phone.receive()).startsWith("INVITE sip:alice@127.0.0.3:5060 SIP/2.0");
        assertThat(b.balancer.tables().counters().flowTokensRejected.sum()).isZero();

        awaitMembers(2, a, b); // both subscribed to the events
        assertThat(post(a, "/dispatcher/state?set=1&uri=" + uri + "&state=drain").statusCode()).isEqualTo(200);
        Destination atB = b.balancer.dispatcher().find(1, uri).orElseThrow();
        await().atMost(1, TimeUnit.SECONDS).until(() -> atB.drain() == Drain.OPERATOR);
        LoopbackBalancer c = node(redis, "c", lines);
        Destination atC = c.balancer.dispatcher().find(1, uri).orElseThrow();
        await().atMost(5, TimeUnit.SECONDS).until(() -> atC.drain() == Drain.OPERATOR);
        awaitMembers(3, a, b, c);
        post(b, "/dispatcher/state?set=1&uri=" + uri + "&state=a");
        await().atMost(1, TimeUnit.SECONDS).until(() -> atC.drain() == Drain.NONE);
        assertThat(redis.command("HLEN siplb:drains")).contains("0");
    }

    /**
     * Values under siplb's prefix that siplb did not write — a node record, a ban, an operator's
     * state, a published event — are ignored and counted, never taken as a count or a ban.
     */
    @Test
    void foreignValuesUnderThePrefixAreIgnoredAndCounted() throws Exception {
        RedisServer redis = redis();
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        redis.command("SET siplb:node:intruder \"load 500 1 duid pbx\"");
        redis.command("SADD siplb:nodes intruder");
        redis.command("SET siplb:ban:127.0.0.1 \"forever and ever\"");
        redis.command("SET siplb:ban:not-an-address \"rate 99999999999999\"");
        redis.command("HSET siplb:operator \"1 sip:127.0.0.1:" + pbx.address().getPort() + "\" disabled");
        LoopbackBalancer a = node(redis, "a", List.of("1 sip:127.0.0.1:" + pbx.address().getPort()
                + " 0 0 duid=pbx;maxload=10"), "siplb.dispatch.algorithm=call-load");
        await().atMost(5, TimeUnit.SECONDS).until(() -> a.balancer.cluster().status().counters().syncs() > 2);
        redis.command("PUBLISH siplb:events \"ban intruder 127.0.0.7 rate soon\"");
        redis.command("PUBLISH siplb:events \"state intruder health 99 1 sip:x\"");
        await().atMost(2, TimeUnit.SECONDS).until(() -> a.balancer.cluster().status().counters().garbled() >= 6);
        ClusterStatus status = a.balancer.cluster().status();
        assertThat(status.members()).extracting(ClusterStatus.Member::id).containsExactly("a");
        Destination d = a.balancer.dispatcher().sets().get(0).destinations().get(0);
        assertThat(d.remoteLoad()).isZero();
        assertThat(d.state().usable()).isTrue();
        assertThat(a.balancer.guard().bans()).isEmpty();
        CallGenerator caller = opened.add(new CallGenerator(a.address, false));
        String callId = caller.call(Duration.ofMillis(50));
        await().atMost(5, TimeUnit.SECONDS).until(() -> caller.outcome(callId) != null);
        assertThat(caller.outcome(callId)).isEqualTo(CallGenerator.Outcome.COMPLETED);
    }

    private static boolean banned(LoopbackBalancer node, InetAddress source) {
        return node.balancer.guard().bans().stream().anyMatch(ban -> ban.source().equals(source));
    }

    private static HttpResponse<String> post(LoopbackBalancer node, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.balancer.adminPort() + path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String options(String host, int port) {
        return "OPTIONS sip:pbx@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + host + ":" + port + ";branch=" + SipText.branch() + "\r\n"
                + "Max-Forwards: 70\r\nFrom: <sip:x@" + host + ">;tag=1\r\nTo: <sip:pbx@127.0.0.1>\r\n"
                + "Call-ID: " + SipText.branch() + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    }
}
