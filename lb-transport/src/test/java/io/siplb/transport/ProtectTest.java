package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.transport.cli.Ctl;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import io.siplb.transport.protect.SourceGuard;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Edge protection on real loopback sockets: a flood, a scanner, a banned caller's dialog. */
class ProtectTest {
    @RegisterExtension
    final Opened opened = new Opened();

    private static String options(RawPeer from, String id, String userAgent) {
        return "OPTIONS sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + "127.0.0.2:" + from.port() + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "From: <sip:flood@127.0.0.2>;tag=" + id + "\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: " + id + "@127.0.0.2\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                + (userAgent == null ? "" : "User-Agent: " + userAgent + "\r\n") + "Content-Length: 0\r\n\r\n";
    }

    @Test
    void aFloodFromOneSourceIsBannedWithinOneWindowAndAnotherSourcesCallsAllComplete() throws Exception {
        Backend backend = opened.add(new Backend("pbx", 0, Backend.Behaviour.HEALTHY));
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(backend), "siplb.probe.interval=0",
                "siplb.protect.rate=200", "siplb.protect.window=1s", "siplb.protect.ban=60s"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        caller.start(50, Duration.ofMillis(100)); // 150 requests/s (INVITE, ACK, BYE): under the rate
        RawPeer flood = opened.add(new RawPeer("127.0.0.2"));
        long started = System.nanoTime();
        int sent = 0;
        while (System.nanoTime() - started < Duration.ofSeconds(2).toNanos()) { // 2000 requests/s
            for (int i = 0; i < 20; i++) {
                flood.send(lb.address, options(flood, "flood-" + sent++, "sipsak 0.9.8"));
            }
            Thread.sleep(10);
        }
        caller.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.completed() + caller.failed() >= caller.started());
        SourceGuard guard = lb.balancer.guard();
        assertThat(guard.bans()).singleElement().satisfies(ban -> {
            assertThat(ban.source()).isEqualTo(InetAddress.getByName("127.0.0.2"));
            assertThat(ban.reason()).isEqualTo(SourceGuard.Reason.RATE);
        });
        assertThat(caller.failed()).isZero();
        assertThat(caller.completed()).isGreaterThanOrEqualTo(50);
        long floodForwarded = backend.requests() - 3 * caller.completed(); // each call: INVITE, ACK, BYE
        assertThat(floodForwarded).isLessThanOrEqualTo(200); // the first window's worth, then nothing
        assertThat(guard.dropped(SourceGuard.Reason.BANNED) + guard.dropped(SourceGuard.Reason.RATE))
                .isGreaterThanOrEqualTo(sent - 200 - 50); // a few may still be in the socket at the end
    }

    @Test
    void aScannerIsDroppedUnansweredAndBannedAtItsFirstRequest() throws Exception {
        Backend backend = opened.add(new Backend("pbx", 0, Backend.Behaviour.HEALTHY));
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(backend), "siplb.probe.interval=0",
                "siplb.admin.listen=127.0.0.1:0"));
        RawPeer scanner = opened.add(new RawPeer("127.0.0.2"));
        scanner.send(lb.address, options(scanner, "scan-1", "friendly-scanner"));
        scanner.send(lb.address, options(scanner, "scan-2", "an innocent-looking agent")); // banned now
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.guard().dropped(SourceGuard.Reason.BANNED) == 1);
        assertThat(lb.balancer.guard().dropped(SourceGuard.Reason.SCANNER)).isEqualTo(1);
        assertThat(backend.requests()).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String admin = "127.0.0.1:" + lb.balancer.adminPort();
        assertThat(Ctl.run(List.of("--admin", admin, "bans"), new PrintStream(out, true), System.err)).isZero();
        assertThat(out.toString()).startsWith("SOURCE").contains("127.0.0.2").contains("scanner")
                .contains("dropped: banned=1 rate=0 scanner=1 auth-failures=0");
        // lifted by the operator, the source is served again
        assertThat(Ctl.run(List.of("--admin", admin, "unban", "127.0.0.2"), new PrintStream(out, true),
                System.err)).isZero();
        assertThat(Ctl.run(List.of("--admin", admin, "unban", "127.0.0.2"), new PrintStream(out, true),
                new PrintStream(new ByteArrayOutputStream(), true))).isEqualTo(1); // no longer banned
        scanner.send(lb.address, options(scanner, "ok-1", "Linphone"));
        assertThat(scanner.receive()).startsWith("SIP/2.0 200");
    }

    @Test
    void aBannedCallersEstablishedDialogStillEnds() throws Exception {
        Backend backend = opened.add(new Backend("pbx", 0, Backend.Behaviour.HEALTHY));
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(backend), "siplb.probe.interval=0",
                "siplb.protect.rate=5", "siplb.protect.window=10s"));
        RawPeer caller = opened.add(new RawPeer("127.0.0.2"));
        caller.send(lb.address, "INVITE sip:service@127.0.0.1 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.2:" + caller.port() + ";branch=z9hG4bK-dlg;rport\r\n"
                + "From: <sip:caller@127.0.0.2>;tag=c\r\nTo: <sip:service@127.0.0.1>\r\n"
                + "Call-ID: banned-dialog@127.0.0.2\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.2:" + caller.port()
                + ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        String ok;
        do {
            ok = caller.receive();
        } while (!ok.startsWith("SIP/2.0 200"));
        String to = header(ok, "To");
        String recordRoute = header(ok, "Record-Route");
        for (int i = 0; i < 10; i++) { // over the rate: banned
            caller.send(lb.address, options(caller, "over-" + i, null));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !lb.balancer.guard().bans().isEmpty());
        caller.send(lb.address, options(caller, "new-request", null)); // dropped: not of a dialog
        caller.send(lb.address, "BYE sip:pbx@127.0.0.1:" + backend.address().getPort() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.2:" + caller.port() + ";branch=z9hG4bK-bye;rport\r\n"
                + "Route: " + recordRoute + "\r\n"
                + "From: <sip:caller@127.0.0.2>;tag=c\r\nTo: " + to + "\r\n"
                + "Call-ID: banned-dialog@127.0.0.2\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        String answer;
        do {
            answer = caller.receive();
        } while (!answer.contains("CSeq: 2 BYE"));
        assertThat(answer).startsWith("SIP/2.0 200");
        assertThat(backend.byes()).isEqualTo(1);
        assertThat(lb.balancer.guard().dropped(SourceGuard.Reason.BANNED)).isGreaterThanOrEqualTo(1);
    }

    private static String header(String message, String name) {
        for (String line : message.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " in " + message);
    }
}
