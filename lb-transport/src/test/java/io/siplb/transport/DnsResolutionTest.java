package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.dispatch.SrvOrder;
import io.siplb.transport.cli.Ctl;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.dns.SipResolver;
import io.siplb.transport.dns.TestDnsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Destinations named by host, resolved through an in-JVM DNS server (RFC 3263): SRV targets in
 * RFC 2782 order and weight, failover between targets, answers that change, a server that goes
 * away, names that never resolve and answers that are wrong — with real calls on loopback.
 */
class DnsResolutionTest {
    @RegisterExtension
    final Opened open = new Opened();

    private LoopbackBalancer balancer(TestDnsServer dns, List<String> lines, String... extra) {
        List<String> settings = new ArrayList<>(List.of(dns.setting(), "siplb.dns.timeout=300ms",
                "siplb.probe.interval=0", "siplb.failover.timeout=1s"));
        settings.addAll(List.of(extra));
        if (Thread.interrupted()) { // a start-up wait on an interrupted thread ends at once
            System.err.println("DnsResolutionTest: the test thread came in interrupted; cleared");
        }
        LoopbackBalancer lb = open.add(new LoopbackBalancer(lines, settings.toArray(String[]::new)));
        // Balancer.start waits for every name's first answer; twice in CI it returned before the
        // answer was in (the log shows the bind, then "resolves to" 4 ms later; cause not found).
        // These tests are about what the answers do, so they wait for them here.
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.dispatcher().sets().stream()
                .flatMap(set -> set.destinations().stream())
                .allMatch(d -> !SipResolver.named(d.uri()) || d.targets() != null));
        return lb;
    }

    private static String invite(RawPeer from, String id) {
        return "INVITE sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + from.port() + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "From: <sip:caller@127.0.0.1>;tag=" + id + "\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    private static int call(RawPeer caller, LoopbackBalancer lb, String id) throws IOException {
        caller.send(lb.address, invite(caller, id));
        while (true) {
            String message = caller.receive();
            int status = SipText.status(message);
            // a final of an earlier call (our 503s are resent until ACKed) is not this call's
            if (status >= 200 && (id + "@127.0.0.1").equals(SipText.header(message, "Call-ID"))) {
                return status;
            }
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static List<DestinationTarget> targets(LoopbackBalancer lb, int index) {
        return lb.balancer.dispatcher().set(1).get(index).targets();
    }

    @Test
    void srvTargetsAreTriedInPriorityThenWeightOrderAndCarryCallsByWeight() throws Exception {
        Backend a = open.add(new Backend("a", 0, Backend.Behaviour.HEALTHY));
        Backend b = open.add(new Backend("b", 0, Backend.Behaviour.HEALTHY));
        Backend c = open.add(new Backend("c", 0, Backend.Behaviour.HEALTHY));
        Backend spare = open.add(new Backend("spare", 0, Backend.Behaviour.HEALTHY));
        TestDnsServer dns = open.add(new TestDnsServer());
        dns.srv("_sip._udp.pbx.example.test", 10, 60, a.address().getPort(), "a.example.test", 300)
                .srv("_sip._udp.pbx.example.test", 10, 20, b.address().getPort(), "b.example.test", 300)
                .srv("_sip._udp.pbx.example.test", 10, 20, c.address().getPort(), "c.example.test", 300)
                .srv("_sip._udp.pbx.example.test", 20, 0, spare.address().getPort(), "spare.example.test", 300);
        for (String host : List.of("a", "b", "c", "spare")) {
            dns.a(host + ".example.test", "127.0.0.1", 300);
        }
        LoopbackBalancer lb = balancer(dns, List.of("1 sip:pbx.example.test 0 1 duid=pbx"),
                "siplb.admin.listen=127.0.0.1:" + freeTcpPort());
        List<DestinationTarget> targets = targets(lb, 0);
        assertThat(targets).hasSize(4);
        Map<Integer, Integer> first = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            List<DestinationTarget> order = SrvOrder.of(targets);
            assertThat(order.get(3).priority()).as("priority 20 only after all of priority 10").isEqualTo(20);
            first.merge(order.get(0).address().getPort(), 1, Integer::sum);
        }
        assertThat(first.get(a.address().getPort()) / 100.0).isBetween(58.0, 62.0);
        assertThat(first.get(b.address().getPort()) / 100.0).isBetween(18.0, 22.0);
        assertThat(first.get(c.address().getPort()) / 100.0).isBetween(18.0, 22.0);
        assertThat(first).doesNotContainKey(spare.address().getPort());

        RawPeer caller = open.add(new RawPeer());
        for (int i = 0; i < 500; i++) {
            assertThat(call(caller, lb, "w" + i)).isEqualTo(200);
        }
        // every SRV target of priority 10 took calls in proportion to its weight; the spare none
        assertThat(a.answered() / 5.0).isBetween(50.0, 70.0);
        assertThat(b.answered() / 5.0).isBetween(12.0, 28.0);
        assertThat(c.answered() / 5.0).isBetween(12.0, 28.0);
        assertThat(spare.invites()).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Ctl.run(List.of("--admin", "127.0.0.1:" + lb.balancer.adminPort(), "list"),
                new PrintStream(out), System.err)).isZero();
        String listing = out.toString(StandardCharsets.UTF_8);
        assertThat(listing).contains("-> udp:127.0.0.1:" + a.address().getPort()).contains("name=a.example.test");
        System.out.println("siplb ctl list:\n" + listing);
    }

    @Test
    void aTargetAnswering503FailsOverToTheNextTargetAndIsMarked() throws Exception {
        Backend refusing = open.add(new Backend("refusing", 0, Backend.Behaviour.refusing(1.0)));
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        TestDnsServer dns = open.add(new TestDnsServer());
        dns.srv("_sip._udp.pbx.example.test", 10, 0, refusing.address().getPort(), "one.example.test", 300)
                .srv("_sip._udp.pbx.example.test", 20, 0, healthy.address().getPort(), "two.example.test", 300)
                .a("one.example.test", "127.0.0.1", 300).a("two.example.test", "127.0.0.1", 300);
        LoopbackBalancer lb = balancer(dns, List.of("1 sip:pbx.example.test 0 1"));
        RawPeer caller = open.add(new RawPeer());
        assertThat(call(caller, lb, "srv-503")).isEqualTo(200);
        assertThat(refusing.invites()).isEqualTo(1);
        assertThat(healthy.answered()).isEqualTo(1);
        DestinationTarget failed = targets(lb, 0).stream().filter(t -> t.priority() == 10).findFirst().orElseThrow();
        assertThat(failed.state().inactive()).isTrue();
        Destination destination = lb.balancer.dispatcher().set(1).get(0);
        assertThat(destination.usable()).as("usable through its other target").isTrue();
        assertThat(call(caller, lb, "srv-next")).isEqualTo(200);
        assertThat(refusing.invites()).as("an inactive target is skipped").isEqualTo(1);
    }

    @Test
    void aChangedRecordIsUsedOnceItsTtlRunsOut() throws Exception {
        Backend before = open.add(new Backend("before", 0, Backend.Behaviour.HEALTHY));
        Backend after = open.add(new Backend("after", 0, Backend.Behaviour.HEALTHY));
        TestDnsServer dns = open.add(new TestDnsServer());
        dns.srv("_sip._udp.pbx.example.test", 10, 0, before.address().getPort(), "host.example.test", 1)
                .a("host.example.test", "127.0.0.1", 1);
        LoopbackBalancer lb = balancer(dns, List.of("1 sip:pbx.example.test 0 1"), "siplb.dns.min-ttl=0s");
        RawPeer caller = open.add(new RawPeer());
        assertThat(call(caller, lb, "ttl-1")).isEqualTo(200);
        dns.clear("_sip._udp.pbx.example.test")
                .srv("_sip._udp.pbx.example.test", 10, 0, after.address().getPort(), "host.example.test", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> targets(lb, 0).get(0).address().getPort()
                == after.address().getPort());
        assertThat(call(caller, lb, "ttl-2")).isEqualTo(200);
        assertThat(before.answered()).isEqualTo(1);
        assertThat(after.answered()).isEqualTo(1);
        assertThat(lb.balancer.dns().changes()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void whenDnsGoesAwayTheLastAnswerServesForStaleForThenTheDestinationHasNoAddress() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        TestDnsServer dns = open.add(new TestDnsServer());
        dns.a("pbx.example.test", "127.0.0.1", 1);
        LoopbackBalancer lb = balancer(dns, List.of("1 sip:pbx.example.test:" + healthy.address().getPort() + " 0 1"),
                "siplb.dns.min-ttl=0s", "siplb.dns.stale-for=2s", "siplb.failover.mark=none");
        RawPeer caller = open.add(new RawPeer());
        assertThat(call(caller, lb, "stale-0")).isEqualTo(200);
        dns.behaveForAll(TestDnsServer.Behaviour.SILENT);
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.dns().staleServed() > 0);
        assertThat(call(caller, lb, "stale-1")).as("the last good answer still serves").isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> targets(lb, 0).isEmpty());
        assertThat(call(caller, lb, "stale-2")).as("no address left: the plan runs out").isEqualTo(503);
        assertThat(lb.balancer.dns().failures()).containsKey("timeout");
        dns.behaveForAll(TestDnsServer.Behaviour.ANSWER);
        await().atMost(Duration.ofSeconds(40)).until(() -> !targets(lb, 0).isEmpty());
        assertThat(call(caller, lb, "stale-3")).as("back once DNS answers").isEqualTo(200);
    }

    @Test
    void namesThatNeverResolveOrAnswerWronglyFailOnlyThemselves() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        TestDnsServer dns = open.add(new TestDnsServer());
        dns.behave("servfail.example.test", TestDnsServer.Behaviour.SERVFAIL)
                .behave("garbage.example.test", TestDnsServer.Behaviour.GARBAGE)
                .behave("truncated.example.test", TestDnsServer.Behaviour.TRUNCATED)
                .cname("loop.example.test", "loop2.example.test", 60).cname("loop2.example.test", "loop.example.test", 60)
                .srv("_sip._udp.noaddress.example.test", 10, 0, 5060, "nothing-there.example.test", 60)
                .a("ttl0.example.test", "127.0.0.1", 0)
                .a("ttlhuge.example.test", "127.0.0.1", Integer.MAX_VALUE);
        List<String> lines = new ArrayList<>();
        int priority = 20;
        for (String name : List.of("nowhere", "servfail", "garbage", "truncated", "loop", "noaddress")) {
            lines.add("1 sip:" + name + ".example.test 0 " + priority--);
        }
        lines.add("1 sip:ttl0.example.test:" + healthy.address().getPort() + " 0 " + priority--);
        lines.add("1 sip:ttlhuge.example.test:" + healthy.address().getPort() + " 0 " + priority--);
        LoopbackBalancer lb = balancer(dns, lines);
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.dns().failures().keySet()
                .containsAll(List.of("nxdomain", "servfail", "cname-loop", "no-address")));
        for (int i = 0; i < 6; i++) {
            assertThat(targets(lb, i)).as(lines.get(i)).isEmpty();
            assertThat(lb.balancer.dispatcher().set(1).get(i).usable()).isFalse();
        }
        assertThat(targets(lb, 6)).singleElement().satisfies(t -> assertThat(t.address().getPort())
                .isEqualTo(healthy.address().getPort()));
        assertThat(targets(lb, 7)).hasSize(1);
        RawPeer caller = open.add(new RawPeer());
        assertThat(call(caller, lb, "bad-dns")).isEqualTo(200); // past every broken name, to a good one
        assertThat(healthy.answered()).isEqualTo(1);
        assertThat(lb.balancer.dns().threads()).as("resolution never on a SIP event loop")
                .isNotEmpty().allSatisfy(thread -> assertThat(thread).startsWith("siplb-dns"));
    }

    @Test
    void naptrChoosesTheTransportAndItsSrvName() throws Exception {
        TestDnsServer dns = open.add(new TestDnsServer());
        dns.naptr("carrier.example.test", 10, 50, "SIP+D2T", "_sip._tcp.carrier.example.test", 300)
                .naptr("carrier.example.test", 20, 50, "SIP+D2U", "_sip._udp.carrier.example.test", 300)
                .srv("_sip._tcp.carrier.example.test", 10, 0, 5070, "edge.carrier.example.test", 300)
                .srv("_sip._udp.carrier.example.test", 10, 0, 5080, "edge.carrier.example.test", 300)
                .a("edge.carrier.example.test", "127.0.0.2", 300)
                .a("edge.carrier.example.test", "::1", 300);
        LoopbackBalancer lb = balancer(dns, List.of("1 sip:carrier.example.test 0 1"));
        assertThat(targets(lb, 0)).extracting(t -> t.transport() + ":" + t.address().getAddress().getHostAddress()
                + ":" + t.address().getPort()).containsExactly("tcp:127.0.0.2:5070", "tcp:0:0:0:0:0:0:0:1:5070");
    }

    @Test
    void eachTargetIsProbedOnItsOwn() throws Exception {
        Backend answering = open.add(new Backend("answering", 0, Backend.Behaviour.HEALTHY));
        RawPeer silent = open.add(new RawPeer()); // takes the probes, never answers
        TestDnsServer dns = open.add(new TestDnsServer());
        dns.srv("_sip._udp.pbx.example.test", 10, 0, answering.address().getPort(), "up.example.test", 300)
                .srv("_sip._udp.pbx.example.test", 10, 0, silent.port(), "down.example.test", 300)
                .a("up.example.test", "127.0.0.1", 300).a("down.example.test", "127.0.0.1", 300);
        List<String> settings = new ArrayList<>(List.of(dns.setting(), "siplb.dns.timeout=300ms",
                "siplb.probe.interval=1s", "siplb.probe.timeout=300ms"));
        LoopbackBalancer lb = open.add(new LoopbackBalancer(List.of("1 sip:pbx.example.test 0 1"),
                settings.toArray(String[]::new)));
        // probes are jittered: each target's first may come a while after the other's
        await().atMost(Duration.ofSeconds(10)).until(() -> targets(lb, 0).stream()
                .anyMatch(t -> t.name().equals("down.example.test") && t.state().inactive())
                && targets(lb, 0).stream().anyMatch(t -> t.name().equals("up.example.test")
                        && t.latency().samples() > 0));
        DestinationTarget up = targets(lb, 0).stream().filter(t -> t.name().equals("up.example.test"))
                .findFirst().orElseThrow();
        assertThat(up.state().inactive()).isFalse();
        assertThat(up.latency().samples()).isPositive();
        assertThat(lb.balancer.dispatcher().set(1).get(0).usable()).isTrue();
    }

    /**
     * RFC 3263 §4.1: a NAPTR query that fails — REFUSED (dnsmasq and most forwarders), SERVFAIL,
     * NOTIMP, silence, NXDOMAIN or an empty answer — is no NAPTR, and resolution goes on to SRV,
     * or to A/AAAA when there is no SRV either; calls then complete.
     */
    @ParameterizedTest(name = "NAPTR {0}, {1}")
    @MethodSource("naptrFailures")
    void aNaptrQueryThatFailsGoesOnToSrvThenA(TestDnsServer.Behaviour naptr, String records) throws Exception {
        Backend healthy = open.add(records.equals("SRV") ? new Backend("healthy", 0, Backend.Behaviour.HEALTHY)
                : onPort5060("healthy"));
        String host = healthy.address().getAddress().getHostAddress();
        TestDnsServer dns = open.add(new TestDnsServer());
        if (records.equals("SRV")) {
            dns.srv("_sip._udp.pbx.example.test", 10, 0, healthy.address().getPort(), "backend.example.test", 300)
                    .a("backend.example.test", host, 300).a("pbx.example.test", "127.0.0.9", 300);
        } else { // no SRV (refused, as dnsmasq does), then A on 5060
            dns.a("pbx.example.test", host, 300)
                    .behave("_sip._udp.pbx.example.test", DnsRecordType.SRV, TestDnsServer.Behaviour.REFUSED);
        }
        if (naptr != TestDnsServer.Behaviour.ANSWER) { // ANSWER: the name holds A records, no NAPTR
            dns.behave("pbx.example.test", DnsRecordType.NAPTR, naptr);
        }
        LoopbackBalancer lb = balancer(dns, List.of("1 sip:pbx.example.test 0 1"), "siplb.dns.timeout=200ms");
        await().atMost(Duration.ofSeconds(5)).until(() -> targets(lb, 0) != null && !targets(lb, 0).isEmpty());
        assertThat(targets(lb, 0)).extracting(t -> t.transport() + ":" + t.address().getAddress().getHostAddress()
                + ":" + t.address().getPort()).contains("udp:" + host + ":" + healthy.address().getPort());
        RawPeer caller = open.add(new RawPeer());
        assertThat(call(caller, lb, "naptr-" + naptr)).isEqualTo(200);
        assertThat(healthy.answered()).isEqualTo(1);
        assertThat(lb.balancer.dispatcher().set(1).get(0).usable()).isTrue();
    }

    /** A backend on port 5060, where A records without SRV lead, of a loopback address of its own. */
    static Backend onPort5060(String name) {
        Random random = new Random();
        for (int attempt = 0; ; attempt++) {
            String host = "127." + (100 + random.nextInt(100)) + "." + random.nextInt(250) + "." + (1 + random.nextInt(250));
            try {
                return new Backend(name, host, 5060, Backend.Behaviour.HEALTHY);
            } catch (RuntimeException taken) {
                if (attempt == 10) {
                    throw taken;
                }
            }
        }
    }

    static Stream<Arguments> naptrFailures() {
        List<Arguments> cases = new ArrayList<>();
        for (TestDnsServer.Behaviour naptr : List.of(TestDnsServer.Behaviour.REFUSED, TestDnsServer.Behaviour.SERVFAIL,
                TestDnsServer.Behaviour.NOTIMP, TestDnsServer.Behaviour.SILENT, TestDnsServer.Behaviour.NXDOMAIN,
                TestDnsServer.Behaviour.ANSWER)) {
            cases.add(Arguments.of(naptr, "SRV"));
            cases.add(Arguments.of(naptr, "A only"));
        }
        return cases.stream();
    }

    @Test
    void aNameThatDoesNotResolveIsAskedAgainOnABackoffAndCallsSkipItMeanwhile() throws Exception {
        Backend healthy = open.add(new Backend("healthy", 0, Backend.Behaviour.HEALTHY));
        TestDnsServer dns = open.add(new TestDnsServer());
        dns.behave("late.example.test", TestDnsServer.Behaviour.SERVFAIL);
        LoopbackBalancer lb = balancer(dns, List.of("1 sip:late.example.test:" + healthy.address().getPort() + " 0 2",
                "1 sip:127.0.0.1:" + healthy.address().getPort() + " 0 1"));
        assertThat(targets(lb, 0)).isEmpty();
        RawPeer caller = open.add(new RawPeer());
        long started = System.nanoTime();
        assertThat(call(caller, lb, "skip-unresolved")).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no attempt toward the name without an address")
                .isLessThan(Duration.ofMillis(900)); // siplb.failover.timeout is 1 s
        dns.a("late.example.test", "127.0.0.1", 300).behave("late.example.test", TestDnsServer.Behaviour.ANSWER);
        await().atMost(Duration.ofSeconds(5)).until(() -> !targets(lb, 0).isEmpty()); // asked again by itself
        assertThat(lb.balancer.dispatcher().set(1).get(0).usable()).isTrue();
    }
}
