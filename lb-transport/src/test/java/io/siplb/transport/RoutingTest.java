package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.transport.demo.Backend;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The worked example of docs/routing.md on real loopback sockets, four destination sets of in-JVM peers:
 * PSTN numbers to the gateways with the Request-URI rewritten (and again after a 503), a dead
 * gateway set falling back to the backup set, REGISTER to the registrars by From hash, the PBX
 * route for one source, 403 for INVITEs from anywhere else, the default route for the rest.
 */
class RoutingTest {
    @RegisterExtension
    final Opened opened = new Opened();

    private static String line(int set, Backend backend, int priority) {
        return set + " sip:127.0.0.1:" + backend.address().getPort() + " 0 " + priority + " duid=" + backend.name();
    }

    private static String invite(RawPeer from, String id, String uri) {
        return "INVITE " + uri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + from.port() + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "From: <sip:caller@127.0.0.1>;tag=" + id + "\r\nTo: <" + uri + ">\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    private static String register(RawPeer from, String id, String user) {
        return "REGISTER sip:tenant.example.com SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + from.port() + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "From: <sip:" + user + "@tenant.example.com>;tag=" + id + "\r\n"
                + "To: <sip:" + user + "@tenant.example.com>\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\nCSeq: 1 REGISTER\r\nContact: <sip:" + user + "@127.0.0.1:"
                + from.port() + ">\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    /** The final response to what {@code peer} sent last (provisionals skipped). */
    private static String finalResponse(RawPeer peer) throws Exception {
        while (true) {
            String response = peer.receive();
            if (!response.startsWith("SIP/2.0 1")) {
                return response;
            }
        }
    }

    @Test
    void theWorkedExampleRoutesEachRequestWhereItsRuleSays() throws Exception {
        Backend pbx = opened.backend("pbx", Backend.Behaviour.HEALTHY);
        Backend gwBusy = opened.backend("gw-busy", Backend.Behaviour.refusing(1.0));
        Backend gw = opened.backend("gw", Backend.Behaviour.HEALTHY);
        Backend backup = opened.backend("backup", Backend.Behaviour.HEALTHY);
        Backend reg1 = opened.backend("reg1", Backend.Behaviour.HEALTHY);
        Backend reg2 = opened.backend("reg2", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(new LoopbackBalancer(List.of(line(1, pbx, 0), line(2, gwBusy, 9), line(2, gw, 5),
                line(3, backup, 0), line(4, reg1, 0), line(4, reg2, 0)),
                "siplb.probe.interval=0", "siplb.failover.mark=none",
                "siplb.routes=pstn,registrar,pbx,deny",
                "siplb.route.pstn.match.method=INVITE", "siplb.route.pstn.match.ruri-user=^\\+?[0-9]{8,15}$",
                "siplb.route.pstn.sets=2:priority,3:round-robin", "siplb.route.pstn.rewrite=domain",
                "siplb.route.registrar.match.method=REGISTER", "siplb.route.registrar.sets=4:hash-from",
                "siplb.route.pbx.match.source=127.0.0.2/32", "siplb.route.pbx.sets=1:round-robin",
                "siplb.route.deny.match.method=INVITE", "siplb.route.deny.reply=403 Forbidden"));
        RawPeer caller = opened.add(new RawPeer());
        RawPeer office = opened.add(new RawPeer("127.0.0.2"));

        // a PSTN number: the busy gateway (503) first, then the other, each in the Request-URI
        caller.send(lb.address, invite(caller, "pstn-1", "sip:+4930123456@carrier.example;user=phone"));
        assertThat(finalResponse(caller)).startsWith("SIP/2.0 200");
        assertThat(gwBusy.inviteRequestUris()).first().isEqualTo(
                "sip:+4930123456@127.0.0.1:" + gwBusy.address().getPort() + ";user=phone");
        assertThat(gw.inviteRequestUris()).first().isEqualTo(
                "sip:+4930123456@127.0.0.1:" + gw.address().getPort() + ";user=phone");

        // the gateway set down: straight to the backup set
        for (Destination d : lb.balancer.dispatcher().set(2).destinations()) {
            lb.balancer.dispatcher().setState(d, DestinationState.parse("ip"));
        }
        caller.send(lb.address, invite(caller, "pstn-2", "sip:004930123456@carrier.example"));
        assertThat(finalResponse(caller)).startsWith("SIP/2.0 200");
        assertThat(backup.inviteRequestUris()).containsExactly(
                "sip:004930123456@127.0.0.1:" + backup.address().getPort());

        // REGISTER by From hash: one user always on one registrar
        for (int i = 0; i < 6; i++) {
            caller.send(lb.address, register(caller, "reg-" + i, "alice"));
            assertThat(finalResponse(caller)).startsWith("SIP/2.0 200");
        }
        assertThat(List.of(reg1.requests(), reg2.requests())).containsExactlyInAnyOrder(6L, 0L);

        // the office's source takes the PBX route; anyone else's INVITE to a name is refused
        office.send(lb.address, invite(office, "office-1", "sip:reception@tenant.example.com"));
        assertThat(finalResponse(office)).startsWith("SIP/2.0 200");
        assertThat(pbx.invites()).isEqualTo(1);
        caller.send(lb.address, invite(caller, "stranger-1", "sip:reception@tenant.example.com"));
        assertThat(finalResponse(caller)).startsWith("SIP/2.0 403 Forbidden");
        assertThat(pbx.invites()).isEqualTo(1);

        // everything else: the default route (siplb.dispatch.set=1)
        caller.send(lb.address, "OPTIONS sip:pbx@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + caller.port()
                + ";branch=z9hG4bK-opt;rport\r\nFrom: <sip:caller@127.0.0.1>;tag=o\r\nTo: <sip:pbx@127.0.0.1>\r\n"
                + "Call-ID: opt@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        assertThat(finalResponse(caller)).startsWith("SIP/2.0 200");

        assertThat(lb.balancer.router().routes()).extracting(r -> r.name() + "=" + lb.balancer.routeHits(r.name()))
                .containsExactly("pstn=2", "registrar=6", "pbx=1", "deny=1");
        assertThat(lb.balancer.routeHits("default")).isEqualTo(1);
    }
}
