package io.siplb.transport;

import static io.siplb.transport.SipText.header;
import static io.siplb.transport.SipText.headers;
import static io.siplb.transport.SipText.uri;
import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.net.Transport;
import io.siplb.core.sip.SipMethod;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.opentest4j.TestAbortedException;

/**
 * JsSIP — the SIP stack of most WebRTC softphones — under Node.js ({@code src/test/js/jssip},
 * packages pinned by its lock file) registers through siplb's WebSocket listener to a registrar
 * destination over UDP, calls through siplb to a UAS there that answers, and the UAS hangs up:
 * its BYE crosses siplb to JsSIP's own connection, and JsSIP reports the call ended by the remote
 * side's BYE. The SIP ladder, as siplb logged it at debug level, goes to
 * {@code target/interop/jssip-ladder.log}. Runs in the interop profile; needs {@code node} and
 * {@code npm} (Debian {@code nodejs}, {@code npm}; {@code .ci/run} installs them and the packages).
 */
@Tag("interop")
class JsSipInteropTest {
    private static final Path OUT = Path.of("target/interop").toAbsolutePath();
    private static final Path SCRIPT = Path.of("src/test/js/jssip").toAbsolutePath();
    @RegisterExtension
    final Opened open = new Opened();
    private Process jssip;

    @BeforeAll
    static void jssipIsInstalled() throws Exception {
        try {
            new ProcessBuilder("node", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new TestAbortedException("Node.js is not installed (apt-get install nodejs npm): skipped");
        }
        Files.createDirectories(OUT);
        if (!Files.isDirectory(SCRIPT.resolve("node_modules/jssip"))) {
            Process install = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(SCRIPT.toFile())
                    .redirectErrorStream(true).redirectOutput(OUT.resolve("jssip-npm-ci.log").toFile()).start();
            if (!install.waitFor(180, TimeUnit.SECONDS) || install.exitValue() != 0
                    || !Files.isDirectory(SCRIPT.resolve("node_modules/jssip"))) {
                install.destroyForcibly();
                throw new TestAbortedException("npm ci in " + SCRIPT
                        + " failed (is the npm registry reachable? see target/interop/jssip-npm-ci.log): skipped");
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (jssip != null) {
            jssip.destroyForcibly();
        }
        open.close();
    }

    @Test
    void jssipRegistersAndCallsThroughSiplbOverWebSocketAndHearsTheBye() throws Exception {
        Ladder ladder = open.add(new Ladder());
        Uas uas = open.add(new Uas());
        LoopbackBalancer lb = open.add(new LoopbackBalancer(
                List.of("1 sip:127.0.0.1:" + uas.peer.port() + " 0 1 duid=pbx"),
                "siplb.listen=udp:127.0.0.1:0,ws:127.0.0.1:0/sip", "siplb.failover.timeout=2s",
                "siplb.ws.origins=https://phone.example.com"));
        uas.start(lb.balancer.boundAddress(Transport.UDP));
        String url = "ws://127.0.0.1:" + lb.balancer.boundAddress(Transport.WS).getPort() + "/sip";

        jssip = new ProcessBuilder("node", "call.js", url, "https://phone.example.com", "sip:alice@example.com",
                "sip:service@example.com").directory(SCRIPT.toFile()).redirectErrorStream(true)
                .redirectOutput(OUT.resolve("jssip.log").toFile()).start();
        boolean exited = jssip.waitFor(40, TimeUnit.SECONDS);
        String events = Files.readString(OUT.resolve("jssip.log"));
        assertThat(exited).as("JsSIP finished: %s", events).isTrue();
        assertThat(jssip.exitValue()).as("JsSIP's events: %s", events).isZero();
        assertThat(events).contains("REGISTERED", "CONFIRMED", "ENDED remote Terminated by BYE", "UNREGISTERED");

        // what crossed siplb, as it logged it
        ladder.write(OUT.resolve("jssip-ladder.log"));
        List<String> lines = ladder.lines;
        assertThat(lines).anyMatch(l -> l.startsWith("<- WS") && l.contains(" REGISTER sip:example.com"));
        assertThat(lines).anyMatch(l -> l.startsWith("<- WS") && l.contains(" INVITE sip:service@example.com"));
        assertThat(lines).anyMatch(l -> l.startsWith("-> WS") && l.contains(" BYE sip:"));
        assertThat(lines).anyMatch(l -> l.startsWith("<- WS") && l.contains(" SIP/2.0 200 OK") && l.contains("[Call-ID: "
                + uas.inviteCallId + "]"));
        assertThat(uas.path).as("the REGISTER's Path").startsWith("<sip:127.0.0.1:").contains(";flow=");
        var counters = lb.balancer.tables().counters();
        assertThat(counters.requestsByMethod.get(SipMethod.INVITE).sum()).isEqualTo(1);
        assertThat(counters.requestsByMethod.get(SipMethod.BYE).sum()).as("the UAS's BYE crossed siplb").isEqualTo(1);
    }

    /** Registrar and UAS in one UDP peer: 200 to REGISTER, 180/200 to INVITE, then a BYE after the ACK. */
    private static final class Uas implements AutoCloseable {
        final RawPeer peer = new RawPeer();
        volatile String path;
        volatile String inviteCallId;
        private volatile boolean running = true;
        private Thread thread;

        Uas() throws IOException {
        }

        void start(InetSocketAddress balancer) {
            thread = new Thread(() -> serve(balancer), "uas");
            thread.setDaemon(true);
            thread.start();
        }

        private void serve(InetSocketAddress balancer) {
            String invite = null;
            String ok = null;
            while (running) {
                String message;
                try {
                    message = peer.receive();
                } catch (AssertionError | IOException silent) {
                    continue;
                }
                try {
                    String contact = "sip:pbx@127.0.0.1:" + peer.port();
                    if (message.startsWith("REGISTER ")) {
                        path = header(message, "Path");
                        String reply = SipText.response(message, 200, "OK", "reg", null);
                        String expires = message.contains("expires=0") || "0".equals(header(message, "Expires"))
                                ? "" : "Contact: " + header(message, "Contact") + ";expires=600\r\n";
                        peer.send(balancer, reply.replace("Content-Length: 0\r\n", expires + "Content-Length: 0\r\n"));
                    } else if (message.startsWith("OPTIONS ")) {
                        peer.send(balancer, SipText.response(message, 200, "OK", "opt", null));
                    } else if (message.startsWith("INVITE ")) {
                        invite = message;
                        inviteCallId = header(message, "Call-ID");
                        peer.send(balancer, SipText.response(message, 180, "Ringing", "uas1", contact));
                        String sdp = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                                + "m=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
                        ok = SipText.response(message, 200, "OK", "uas1", contact).replace("Content-Length: 0\r\n\r\n",
                                "Content-Type: application/sdp\r\nContent-Length: " + sdp.length() + "\r\n\r\n" + sdp);
                        peer.send(balancer, ok);
                    } else if (message.startsWith("ACK ") && invite != null) {
                        Thread.sleep(300); // the call is up; the UAS hangs up through siplb
                        peer.send(balancer, SipText.inDialog("BYE", uri(header(invite, "Contact")),
                                headers(invite, "Record-Route"), "SIP/2.0/UDP 127.0.0.1:" + peer.port() + ";branch="
                                        + SipText.branch(), header(ok, "To"), header(ok, "From"), inviteCallId, 2));
                        invite = null;
                    }
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            peer.close();
            if (thread != null) {
                thread.join(6000);
            }
        }
    }
}
