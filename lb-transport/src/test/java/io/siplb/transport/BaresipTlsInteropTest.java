package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.net.Transport;
import io.siplb.core.sip.SipMethod;
import io.siplb.transport.stream.StreamTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A TLS call between two baresip user agents through siplb, on loopback: alice dials siplb's TLS
 * listener, siplb forwards to bob's over TLS (verifying his certificate), bob answers and later
 * hangs up — so his BYE crosses siplb back to alice over the connection she opened. Runs in the
 * interop profile; needs {@code baresip} (Debian {@code baresip-core}, which {@code .ci/run}
 * installs). The agents are driven through their {@code ctrl_tcp} module and report their call
 * events on it.
 */
@Tag("interop")
class BaresipTlsInteropTest {
    private final Baresip agents = new Baresip();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void baresipIsInstalled() throws IOException, InterruptedException {
        Baresip.assumeInstalled();
    }

    @AfterEach
    void stop() throws Exception {
        agents.close();
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aTlsCallBetweenTwoBaresipAgentsThroughSiplb() throws Exception {
        TestTls tls = TestTls.generate("siplb interop");
        Path work = Files.createTempDirectory("siplb-baresip-");
        Path bundle = work.resolve("ua.pem"); // baresip takes certificate and key in one file
        Files.writeString(bundle, Files.readString(tls.certificate) + Files.readString(tls.key));
        Path bob = agent(work, "bob", Baresip.sipPort(), Baresip.controlPort(), 16300, "auto", tls, bundle);
        Path alice = agent(work, "alice", Baresip.sipPort(), Baresip.controlPort(), 16320, "manual", tls, bundle);
        // the agents first, so that none of the balancer's own sockets takes a port chosen for
        // them; an agent whose port was taken anyway is started again on fresh ones
        Baresip.Control bobControl = agents.startOnFreshPortsIfItExits(bob, "bob");
        Baresip.Control aliceControl = agents.startOnFreshPortsIfItExits(alice, "alice");
        int bobTls = Baresip.sipListenPort(bob) + 1;

        List<String> settings = new ArrayList<>(List.of("siplb.listen=udp:127.0.0.1:0,tls:127.0.0.1:0",
                "siplb.failover.timeout=2s", "siplb.probe.interval=2s"));
        settings.addAll(List.of(tls.settings()));
        LoopbackBalancer lb = new LoopbackBalancer(List.of("1 sip:127.0.0.1:" + bobTls + ";transport=tls 0 1 duid=bob"),
                settings.toArray(String[]::new));
        open.add(lb);
        int siplbTls = lb.balancer.boundAddress(Transport.TLS).getPort();

        aliceControl.send("dial", "sip:bob@127.0.0.1:" + siplbTls + ";transport=tls");
        aliceControl.await("CALL_ESTABLISHED");
        bobControl.await("CALL_ESTABLISHED");
        bobControl.send("hangup", null); // bob's BYE: through siplb to alice's own connection
        bobControl.await("CALL_CLOSED");
        aliceControl.await("CALL_CLOSED");
        aliceControl.send("quit", null);
        bobControl.send("quit", null);

        var counters = lb.balancer.tables().counters();
        assertThat(counters.requestsByMethod.get(SipMethod.INVITE).sum()).isEqualTo(1);
        assertThat(counters.requestsByMethod.get(SipMethod.ACK).sum()).isEqualTo(1);
        assertThat(counters.requestsByMethod.get(SipMethod.BYE).sum()).as("bob's BYE crossed siplb").isEqualTo(1);
        assertThat(lb.balancer.streams().errors(StreamTransport.Error.TLS_HANDSHAKE)).isZero();
        assertThat(Baresip.log("alice")).contains("BYE sip:");
    }

    /** An agent with SIP on {@code sip} and TLS on {@code sip + 1}, trusting and presenting the test pair. */
    private static Path agent(Path work, String name, int sip, int control, int rtp, String answerMode, TestTls tls,
            Path bundle) throws IOException {
        return Baresip.agent(work, name, sip, control, rtp, List.of("sip_certificate " + bundle,
                "sip_cafile " + tls.certificate), "<sip:" + name + "@127.0.0.1>;regint=0;answermode=" + answerMode);
    }
}
