package io.siplb.core.proxy;

import static io.siplb.core.proxy.Network.method;
import static io.siplb.core.proxy.Network.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.dispatch.Algorithm;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.DispatchSettings;
import io.siplb.core.dispatch.FailoverSettings;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.dispatch.HashMode;
import io.siplb.core.route.Target;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipUri;
import io.siplb.core.transaction.Branches;
import io.siplb.core.transaction.ServerTransaction;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The stateful proxy against scripted peers, in virtual time. */
class SipProxyTest {
    private static final int UAC = 5061;
    private static final int D1 = 6001;
    private static final int D2 = 6002;
    private static final int D3 = 6003;

    @Test
    void aCallIsTriedAndRelayedWithOurViaAndRecordRoute() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("call-1"), ProxyHarness.UAC);
        assertThat(h.network.take(UAC, status(100)).to().tag()).isNull();
        SipMessage forwarded = h.forwardedTo(D1, "INVITE");
        assertThat(forwarded.vias()).hasSize(2);
        assertThat(forwarded.topVia().branch().toString()).startsWith(Branches.PREFIX);
        assertThat(forwarded.vias().get(1).received().toString()).isEqualTo("127.0.0.1");
        assertThat(forwarded.maxForwards()).isEqualTo(69);
        SipUri recordRoute = (SipUri) forwarded.recordRoutes().get(0).uri();
        assertThat(recordRoute.host()).isEqualTo("127.0.0.1");
        assertThat(recordRoute.looseRouting()).isTrue();
        assertThat(recordRoute.parameter("ds")).startsWith("1.");

        h.answer(forwarded, 180, "uas", D1);
        SipMessage ringing = h.network.take(UAC, status(180));
        assertThat(ringing.vias()).hasSize(1);
        h.answer(forwarded, 200, "uas", D1);
        SipMessage ok = h.network.take(UAC, status(200));
        assertThat(ok.vias()).hasSize(1);
        assertThat(ok.topVia().branch().toString()).isEqualTo("z9hG4bK-call-1-1");
        assertThat(h.network.sent).isEmpty();
        assertThat(h.tables.dialogCount()).isEqualTo(1);
        assertThat(h.tables.liveServerTransactions()).isZero();
    }

    @Test
    void a503FailsOverAcksTheFailureAndMarksTheDestination() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("call-2"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        SipMessage first = h.forwardedTo(D1, "INVITE");
        h.answer(first, 503, "busy", D1);
        SipMessage ack = h.network.take(D1, method("ACK"));
        assertThat(ack.topVia().branch().toString()).isEqualTo(first.topVia().branch().toString());
        assertThat(ack.to().tag()).isEqualTo("busy");
        SipMessage second = h.forwardedTo(D2, "INVITE");
        assertThat(second.topVia().branch().toString()).isNotEqualTo(first.topVia().branch().toString());
        assertThat(h.dispatcher.set(1).get(0).state().letters()).isEqualTo("IX");
        assertThat(h.dispatcher.set(1).get(0).attempts()).isEqualTo(1);
        assertThat(h.dispatcher.set(1).get(0).failures()).isEqualTo(1);
        assertThat(h.dispatcher.set(1).get(1).attempts()).isEqualTo(1);
        assertThat(h.dispatcher.set(1).get(1).failures()).isZero();
        h.answer(second, 200, "ok", D2);
        assertThat(h.network.take(UAC, status(200)).to().tag()).isEqualTo("ok");
        assertThat(h.tables.counters().failovers.sum()).isEqualTo(1);
        assertThat(h.network.sent).isEmpty();
    }

    @Test
    void silenceIsRetransmittedOnTimerAThenFailsOverAfterFrTimer() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("call-3"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        h.forwardedTo(D1, "INVITE");
        h.advance(Duration.ofMillis(499));
        assertThat(h.network.count(D1, method("INVITE"))).isZero();
        h.advance(Duration.ofMillis(1)); // T1
        assertThat(h.network.count(D1, method("INVITE"))).isEqualTo(1);
        h.advance(Duration.ofMillis(1000)); // 2·T1 later
        assertThat(h.network.count(D1, method("INVITE"))).isEqualTo(2);
        assertThat(h.network.count(D2, method("INVITE"))).isZero();
        h.advance(Duration.ofMillis(500)); // fr_timer = 2 s
        assertThat(h.network.count(D2, method("INVITE"))).isEqualTo(1);
        h.network.drain();
        h.advance(Duration.ofSeconds(10));
        assertThat(h.network.count(D1, method("INVITE"))).isZero(); // the abandoned branch is quiet
    }

    @Test
    void aProvisionalStopsRetransmissionsAndSwitchesToTheInviteTimer() {
        ProxyHarness h = new ProxyHarness(2, s -> s.withFailover(new FailoverSettings(
                s.failover().codes(), Duration.ofSeconds(2), Duration.ofSeconds(30), s.failover().mark(), 503)));
        h.send(h.invite("call-4"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        SipMessage first = h.forwardedTo(D1, "INVITE");
        h.answer(first, 180, "r", D1);
        h.network.take(UAC, status(180));
        h.advance(Duration.ofSeconds(29));
        assertThat(h.network.sent).isEmpty();
        h.advance(Duration.ofSeconds(1)); // fr_inv_timer: CANCEL the ringing branch, try the next
        h.network.take(D1, method("CANCEL"));
        h.forwardedTo(D2, "INVITE");
    }

    @Test
    void whenEveryDestinationFailsTheBestResponseGoesUpstream() {
        ProxyHarness h = new ProxyHarness(3);
        h.send(h.invite("call-5"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        h.answer(h.forwardedTo(D1, "INVITE"), 503, "a", D1);
        h.answer(h.forwardedTo(D2, "INVITE"), 500, "b", D2);
        h.answer(h.forwardedTo(D3, "INVITE"), 503, "c", D3);
        SipMessage answer = h.network.take(UAC, status(503));
        assertThat(answer.to().tag()).isEqualTo("a"); // first of the lowest class
        assertThat(h.tables.counters().exhausted.sum()).isEqualTo(1);
    }

    /** What a {@link CallObserver} hears, in order, as text. */
    private static final class Heard implements CallObserver {
        final List<String> events = new ArrayList<>();

        @Override
        public void routed(ServerTransaction request, String route) {
            events.add("routed " + route);
        }

        @Override
        public void attempted(ServerTransaction request, Target target, int status, long nanos) {
            events.add("attempted " + target.address().getPort() + " " + status + " " + nanos / 1_000_000 + "ms");
        }

        @Override
        public void failedOver(ServerTransaction request) {
            events.add("failed over");
        }

        @Override
        public void exhausted(ServerTransaction request) {
            events.add("exhausted");
        }

        @Override
        public void finished(ServerTransaction request, int status, long nanos) {
            events.add("finished " + request.request().methodName() + " " + status + " " + nanos / 1_000_000 + "ms");
        }
    }

    @Test
    void theObserverHearsTheRouteEachAttemptTheFailoverAndTheEndInOrder() {
        ProxyHarness h = new ProxyHarness(2);
        Heard heard = new Heard();
        h.proxy.observe(heard);
        h.send(h.invite("call-obs"), ProxyHarness.UAC);
        h.advance(Duration.ofMillis(30));
        h.answer(h.forwardedTo(D1, "INVITE"), 503, "busy", D1);
        h.advance(Duration.ofMillis(20));
        h.answer(h.forwardedTo(D2, "INVITE"), 200, "ok", D2);
        h.network.take(UAC, status(200));
        assertThat(heard.events).containsExactly("routed default", "attempted " + D1 + " 503 30ms",
                "failed over", "attempted " + D2 + " 200 20ms", "finished INVITE 200 50ms");
        heard.events.clear();
        h.send(h.invite("call-obs-2"), ProxyHarness.UAC);
        h.advance(Duration.ofSeconds(5)); // D1 is inactive since its 503: D2 alone, silent, then nothing left
        h.network.take(UAC, status(503));
        assertThat(heard.events).containsExactly("routed default", "attempted " + D2 + " -1 2000ms", "exhausted",
                "finished INVITE 503 2000ms");
    }

    @Test
    void whenNothingAnswersAtAllTheExhaustedReplyIs503WithRetryAfter() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("call-6"), ProxyHarness.UAC);
        h.advance(Duration.ofSeconds(5));
        SipMessage answer = h.network.take(UAC, status(503));
        assertThat(answer.headerValue("Retry-After").toString()).isEqualTo("5");
        assertThat(answer.to().tag()).isNotNull();
        // and the UAC's ACK for it is absorbed
        h.network.drain();
        h.send(h.request("ACK", "call-6", answer.to().tag(), "z9hG4bK-call-6-1", 1), ProxyHarness.UAC);
        assertThat(h.network.sent).isEmpty();
    }

    @Test
    void anEmptyOrDeadSetIsAnswered503AtOnce() {
        ProxyHarness h = new ProxyHarness(1);
        h.dispatcher.markFailure(h.dispatcher.set(1).get(0), FailureMark.INACTIVE);
        h.send(h.request("OPTIONS", "opt-1", null, "z9hG4bK-o1", 1), ProxyHarness.UAC);
        assertThat(h.network.take(UAC, status(503)).headerValue("Retry-After").toString()).isEqualTo("5");
    }

    @Test
    void cancelWhileRingingIsAnsweredForwardedAndTheDestinations487Relayed() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("call-7"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        h.answer(invite, 180, "r", D1);
        h.network.take(UAC, status(180));
        h.send(h.request("CANCEL", "call-7", null, "z9hG4bK-call-7-1", 1), ProxyHarness.UAC);
        h.network.take(UAC, status(200));
        SipMessage cancel = h.forwardedTo(D1, "CANCEL");
        assertThat(cancel.topVia().branch().toString()).isEqualTo(invite.topVia().branch().toString());
        h.answer(cancel, 200, "r", D1);
        h.answer(invite, 487, "r", D1);
        h.network.take(D1, method("ACK"));
        assertThat(h.network.take(UAC, status(487)).to().tag()).isEqualTo("r");
        assertThat(h.network.count(D2, m -> true)).isZero(); // no failover after a CANCEL
        assertThat(h.network.sent).isEmpty();
    }

    @Test
    void cancelBeforeAnyProvisionalWaitsForOneThenStopsFailover() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("call-8"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        h.send(h.request("CANCEL", "call-8", null, "z9hG4bK-call-8-1", 1), ProxyHarness.UAC);
        h.network.take(UAC, status(200));
        assertThat(h.network.count(D1, method("CANCEL"))).isZero(); // RFC 3261 §9.1
        h.answer(invite, 183, "r", D1);
        h.network.take(UAC, status(183));
        h.forwardedTo(D1, "CANCEL");
        h.answer(invite, 487, "r", D1);
        h.network.take(UAC, status(487));
    }

    @Test
    void cancelDuringSilenceEndsWith487InsteadOfFailingOver() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("call-9"), ProxyHarness.UAC);
        h.send(h.request("CANCEL", "call-9", null, "z9hG4bK-call-9-1", 1), ProxyHarness.UAC);
        h.advance(Duration.ofSeconds(3));
        assertThat(h.network.count(D2, method("INVITE"))).isZero();
        h.network.take(UAC, status(487));
        assertThat(h.dispatcher.set(1).get(0).usable()).isTrue(); // cancelled, not failed
    }

    @Test
    void anUnknownCancelGets481() {
        ProxyHarness h = new ProxyHarness(1);
        h.send(h.request("CANCEL", "nothing", null, "z9hG4bK-none", 1), ProxyHarness.UAC);
        h.network.take(UAC, status(481));
        assertThat(h.network.drain()).as("nothing forwarded, nothing else answered").isEmpty();
    }

    @Test
    void aRetransmittedInviteIsAnsweredWithTheLastResponseNotForwardedAgain() {
        ProxyHarness h = new ProxyHarness(1);
        String invite = h.invite("call-10");
        h.send(invite, ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        SipMessage forwarded = h.forwardedTo(D1, "INVITE");
        h.send(invite, ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        h.answer(forwarded, 180, "r", D1);
        h.network.take(UAC, status(180));
        h.send(invite, ProxyHarness.UAC);
        h.network.take(UAC, status(180));
        assertThat(h.network.count(D1, m -> true)).isZero();
        assertThat(h.tables.counters().retransmissionsAbsorbed.sum()).isEqualTo(2);
    }

    @Test
    void requestsTheProxyMustRefuseItself() {
        ProxyHarness h = new ProxyHarness(1);
        h.send(h.request("OPTIONS", "mf", null, "z9hG4bK-mf", 1).replace("Max-Forwards: 70", "Max-Forwards: 0"),
                ProxyHarness.UAC);
        h.network.take(UAC, status(483));
        h.send(h.request("OPTIONS", "pr", null, "z9hG4bK-pr", 1, "Proxy-Require: foo, bar"), ProxyHarness.UAC);
        assertThat(h.network.take(UAC, status(420)).headerValue("Unsupported").toString()).isEqualTo("foo, bar");
        h.send(h.request("OPTIONS", "sc", null, "z9hG4bK-sc", 1).replace("OPTIONS sip:service@127.0.0.1:5060",
                "OPTIONS nobodyKnowsThisScheme:x"), ProxyHarness.UAC);
        h.network.take(UAC, status(416));
        h.send("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bKbad\r\nCSeq: 1 INVITE\r\n\r\n",
                ProxyHarness.UAC);
        assertThat(h.network.take(UAC, status(400)).reasonPhrase()).contains("Call-ID");
        h.send("garbage\r\n\r\n", ProxyHarness.UAC);
        h.send("\r\n\r\n", ProxyHarness.UAC);
        assertThat(h.network.sent).isEmpty();
        assertThat(h.tables.counters().malformedDroppedTotal()).isEqualTo(1);
        assertThat(h.tables.counters().keepAlives.sum()).isEqualTo(1);
        assertThat(h.network.count(6001, m -> true)).isZero();
    }

    @Test
    void aFullTransactionTableShedsNewRequestsWith503() {
        ProxyHarness h = new ProxyHarness(1, s -> s.withMaxTransactions(2));
        h.send(h.invite("a"), ProxyHarness.UAC);
        h.send(h.invite("b"), ProxyHarness.UAC);
        h.network.drain();
        h.send(h.invite("c"), ProxyHarness.UAC);
        assertThat(h.network.take(UAC, status(503)).headerValue("Retry-After").toString()).isEqualTo("5");
        assertThat(h.tables.counters().shed.sum()).isEqualTo(1);
    }

    @Test
    void inDialogRequestsFollowOurRecordRouteOrTheCallIdWhenTheClientIgnoresIt() {
        ProxyHarness h = new ProxyHarness(3, s -> s.withDispatch(new DispatchSettings(1,
                Algorithm.ROUND_ROBIN, 0, HashMode.KAMAILIO, null)));
        h.send(h.invite("dlg"), ProxyHarness.UAC);
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        String recordRoute = invite.headerValue("Record-Route").toString();
        h.answer(invite, 200, "uas", D1);
        h.network.drain();
        // a well-behaved UAC sends its in-dialog requests through our Route
        h.send(h.request("INFO", "dlg", "uas", "z9hG4bK-info0", 2, "Route: " + recordRoute), ProxyHarness.UAC);
        SipMessage info = h.forwardedTo(D1, "INFO");
        assertThat(info.routes()).isEmpty();
        h.answer(info, 200, "uas", D1);
        h.network.take(UAC, status(200));
        // one that ignores Record-Route still reaches D1 (round-robin would now pick D2)
        h.send(h.request("INFO", "dlg", "uas", "z9hG4bK-info1", 3), ProxyHarness.UAC);
        h.answer(h.forwardedTo(D1, "INFO"), 200, "uas", D1);
        h.send(h.request("BYE", "dlg", "uas", "z9hG4bK-bye1", 4), ProxyHarness.UAC);
        SipMessage bye = h.forwardedTo(D1, "BYE");
        h.answer(bye, 200, "uas", D1);
        h.network.take(UAC, status(200));
        // a second balancer with its own tables routes by the Record-Route parameter alone
        ProxyHarness other = new ProxyHarness(3);
        other.send(other.request("BYE", "dlg", "uas", "z9hG4bK-bye2", 5, "Route: " + recordRoute),
                ProxyHarness.UAC);
        other.forwardedTo(D1, "BYE");
    }

    @Test
    void theAckOfA2xxIsForwardedEndToEndAndRetransmitted2xxRelayedStatelessly() {
        ProxyHarness h = new ProxyHarness(1);
        h.send(h.invite("ack2xx"), ProxyHarness.UAC);
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        SipMessage ok = h.answer(invite, 200, "uas", D1);
        h.network.take(UAC, status(200));
        h.network.take(UAC, status(100));
        h.deliver(ok, new InetSocketAddress("127.0.0.1", D1)); // the UAS retransmits its 200
        assertThat(h.network.take(UAC, status(200)).vias()).hasSize(1);
        String route = invite.headerValue("Record-Route").toString();
        h.send(h.request("ACK", "ackx", "uas", "z9hG4bK-ack", 1, "Route: " + route).replace("ackx", "ack2xx"),
                ProxyHarness.UAC);
        SipMessage ack = h.forwardedTo(D1, "ACK");
        assertThat(ack.routes()).isEmpty();
        assertThat(h.network.sent).isEmpty();
        // the caller sends the same ACK again (the 200 came twice): the same bytes go on, our
        // branch included (RFC 3261 §16.11), so a UAS that matches retransmissions by their bytes
        // takes it as one
        h.send(h.request("ACK", "ackx", "uas", "z9hG4bK-ack", 1, "Route: " + route).replace("ackx", "ack2xx"),
                ProxyHarness.UAC);
        SipMessage again = h.forwardedTo(D1, "ACK");
        assertThat(again.toString()).isEqualTo(ack.toString());
        assertThat(again.topVia().branch().toString()).startsWith(Branches.PREFIX);
        h.send(h.request("ACK", "ackx", "uas", "z9hG4bK-ack-other", 1, "Route: " + route).replace("ackx", "ack2xx"),
                ProxyHarness.UAC);
        assertThat(h.forwardedTo(D1, "ACK").topVia().branch().toString()).as("another ACK, another branch")
                .isNotEqualTo(ack.topVia().branch().toString());
    }

    @Test
    void nonInviteRequestsFailOverToo() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.request("MESSAGE", "msg", null, "z9hG4bK-m1", 1), ProxyHarness.UAC);
        assertThat(h.network.count(UAC, status(100))).isZero();
        h.answer(h.forwardedTo(D1, "MESSAGE"), 408, "x", D1);
        assertThat(h.network.count(D1, method("ACK"))).isZero();
        h.answer(h.forwardedTo(D2, "MESSAGE"), 202, "y", D2);
        h.network.take(UAC, status(202));
    }

    @Test
    void responsesNotOursAreDropped() {
        ProxyHarness h = new ProxyHarness(1);
        h.send("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKforeign\r\nFrom: <sip:a@b>;tag=1\r\n"
                + "To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
                new InetSocketAddress("127.0.0.1", 7000));
        assertThat(h.network.sent).isEmpty();
        assertThat(h.tables.counters().strayResponses.sum()).isEqualTo(1);
    }

    @Test
    void callLoadCountsAnsweredCallsUntilTheirBye() {
        ProxyHarness h = new ProxyHarness(2, s -> s.withDispatch(new DispatchSettings(1,
                Algorithm.CALL_LOAD, 0, HashMode.KAMAILIO, null)));
        h.send(h.invite("load-1"), ProxyHarness.UAC);
        SipMessage first = h.forwardedTo(D1, "INVITE");
        h.answer(first, 200, "x", D1);
        h.send(h.invite("load-2"), ProxyHarness.UAC);
        SipMessage second = h.forwardedTo(D2, "INVITE"); // D1 carries a call now
        h.answer(second, 486, "y", D2); // refused: its unit goes back
        assertThat(h.dispatcher.set(1).get(0).load()).isEqualTo(1);
        assertThat(h.dispatcher.set(1).get(1).load()).isZero();
        h.send(h.request("BYE", "load-1", "x", "z9hG4bK-bye-load", 2,
                "Route: " + first.headerValue("Record-Route")), ProxyHarness.UAC);
        h.forwardedTo(D1, "BYE");
        assertThat(h.dispatcher.set(1).get(0).load()).isZero();
    }

    @Test
    void aDestinationWhoseHostDoesNotResolveFailsAndThePlanMovesOn() throws Exception {
        ProxyHarness h = new ProxyHarness(1);
        h.dispatcher.load(DestinationListParser.parse("t.list",
                List.of("1 sip:pbx.invalid:5060 0 9", "1 sip:127.0.0.1:6001 0 1")));
        h.send(h.invite("dns"), ProxyHarness.UAC);
        h.answer(h.forwardedTo(D1, "INVITE"), 200, "ok", D1);
        h.network.take(UAC, status(200));
        assertThat(h.tables.counters().unresolvable.sum()).isEqualTo(1);
        assertThat(h.dispatcher.set(1).get(0).state().inactive()).isTrue();
    }

    @Test
    void overloadShedsNewCallsButLetsDialogsFinishAndSparesSilentDestinations() {
        ProxyHarness h = new ProxyHarness(2);
        AtomicBoolean overloaded = new AtomicBoolean();
        h.proxy.overloadSignal(overloaded::get);
        h.send(h.invite("before"), ProxyHarness.UAC);
        SipMessage established = h.forwardedTo(D1, "INVITE");
        h.answer(established, 200, "uas", D1);
        h.network.drain();
        h.send(h.invite("silent"), ProxyHarness.UAC); // D2 will stay silent
        h.forwardedTo(D2, "INVITE");
        overloaded.set(true);
        h.send(h.invite("shed"), ProxyHarness.UAC);
        assertThat(h.network.take(UAC, status(503)).headerValue("Retry-After").toString()).isEqualTo("5");
        h.send(h.request("BYE", "before", "uas", "z9hG4bK-bye-ol", 2,
                "Route: " + established.headerValue("Record-Route")), ProxyHarness.UAC);
        h.forwardedTo(D1, "BYE");
        h.advance(Duration.ofSeconds(2)); // D2's fr_timer expires while overloaded
        assertThat(h.dispatcher.set(1).get(1).usable()).isTrue();
        assertThat(h.tables.counters().marksSpared.sum()).isEqualTo(1);
        assertThat(h.tables.counters().shed.sum()).isEqualTo(1);
    }

    @Test
    void theCalleesByeGoesToTheCallerNotBackToTheCallee() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("callee-bye"), ProxyHarness.UAC);
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        h.answer(invite, 200, "uas", D1);
        h.network.drain();
        // the callee hangs up: Request-URI is the caller's Contact, Route is our Record-Route
        String bye = "BYE sip:sipp@127.0.0.1:5061 SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:6001;branch=z9hG4bK-uas-bye\r\n"
                + "Route: " + invite.headerValue("Record-Route") + "\r\n"
                + "From: <sip:service@127.0.0.1:5060>;tag=uas\r\n"
                + "To: sipp <sip:sipp@127.0.0.1:5061>;tag=caller\r\n"
                + "Call-ID: callee-bye\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        h.send(bye, new InetSocketAddress("127.0.0.1", D1));
        SipMessage forwarded = h.network.take(UAC, method("BYE"));
        assertThat(forwarded.routes()).isEmpty();
        assertThat(h.network.count(D1, method("BYE"))).isZero();
        h.answer(forwarded, 200, "caller", UAC);
        assertThat(h.network.take(D1, status(200)).cseq().methodName()).isEqualTo("BYE");
    }

    @Test
    void inDialogRequestsToHostsThatAreNoDestinationAreRefused() {
        ProxyHarness h = new ProxyHarness(1);
        h.send(h.request("INVITE", "relay", "forged", "z9hG4bK-relay", 1)
                .replace("INVITE sip:service@127.0.0.1:5060", "INVITE sip:+19005550100@192.0.2.99"), ProxyHarness.UAC);
        h.network.take(UAC, status(481));
        assertThat(h.network.sent).isEmpty();
    }

    @Test
    void aNon2xxFinalIsResentOnTimerGUntilItsAck() {
        ProxyHarness h = new ProxyHarness(1);
        h.send(h.invite("timer-g"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        h.answer(h.forwardedTo(D1, "INVITE"), 486, "busy", D1);
        h.network.take(D1, method("ACK"));
        h.network.take(UAC, status(486));
        h.advance(Duration.ofMillis(500));
        h.network.take(UAC, status(486)); // T1
        h.advance(Duration.ofMillis(1000));
        h.network.take(UAC, status(486)); // 2·T1
        h.send(h.request("ACK", "timer-g", "busy", "z9hG4bK-timer-g-1", 1), ProxyHarness.UAC);
        h.advance(Duration.ofSeconds(10));
        assertThat(h.network.count(UAC, status(486))).isZero();
    }

    @Test
    void anAbandonedBranchThatStartsRingingIsCancelled() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("late"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        SipMessage first = h.forwardedTo(D1, "INVITE");
        h.advance(Duration.ofSeconds(2)); // silence: failover to D2
        h.network.drain();
        h.answer(first, 180, "late", D1); // D1 wakes up
        SipMessage cancel = h.forwardedTo(D1, "CANCEL");
        assertThat(cancel.topVia().branch().toString()).isEqualTo(first.topVia().branch().toString());
        assertThat(h.network.count(UAC, status(180))).isZero(); // not relayed: that branch is not the call's
    }

    @Test
    void aBranchRingingLongerThanAnyExpiryCanStillBeCancelled() {
        ProxyHarness h = new ProxyHarness(1, s -> s.withFailover(new FailoverSettings(
                s.failover().codes(), Duration.ofSeconds(2), Duration.ofMinutes(10), s.failover().mark(), 503,
                Duration.ofHours(1))));
        h.send(h.invite("long"), ProxyHarness.UAC);
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        h.answer(invite, 180, "r", D1);
        h.advance(Duration.ofMinutes(5));
        h.tables.cleanUp();
        h.network.drain();
        h.send(h.request("CANCEL", "long", null, "z9hG4bK-long-1", 1), ProxyHarness.UAC);
        h.network.take(UAC, status(200));
        h.forwardedTo(D1, "CANCEL");
        h.answer(invite, 487, "r", D1);
        h.network.take(UAC, status(487));
    }

    @Test
    void aLate200FromAnAbandonedBranchWinsAndTheRingingBranchIsCancelled() {
        ProxyHarness h = new ProxyHarness(2);
        h.send(h.invite("late-200"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        SipMessage first = h.forwardedTo(D1, "INVITE");
        h.advance(Duration.ofSeconds(2)); // D1 silent: failover
        SipMessage second = h.forwardedTo(D2, "INVITE");
        h.answer(second, 180, "d2", D2);
        h.network.take(UAC, status(180));
        h.answer(first, 200, "d1", D1); // D1 answers after all
        assertThat(h.network.take(UAC, status(200)).to().tag()).isEqualTo("d1");
        h.forwardedTo(D2, "CANCEL");
        assertThat(h.tables.liveServerTransactions()).isZero();
        h.answer(second, 487, "d2", D2);
        h.network.take(D2, method("ACK"));
        assertThat(h.network.count(UAC, m -> true)).isZero(); // the 487 of the cancelled branch stays here
        // in-dialog requests of the call now go to D1
        h.send(h.request("BYE", "late-200", "d1", "z9hG4bK-late-bye", 2), ProxyHarness.UAC);
        h.forwardedTo(D1, "BYE");
    }

    @Test
    void aDialogIsForgottenWhenItsByeIsAnsweredAndOnlyOneNeverSeenToEndWaitsForTheExpiry() {
        ProxyHarness h = new ProxyHarness(1);
        for (int i = 0; i < 200; i++) { // BYEs answered 200, 481, and not at all (siplb answers 408)
            String id = "ended-" + i;
            h.send(h.invite(id), ProxyHarness.UAC);
            SipMessage invite = h.forwardedTo(D1, "INVITE");
            h.answer(invite, 200, "uas", D1);
            String recordRoute = invite.headerValue("Record-Route").toString();
            h.send(h.request("BYE", id, "uas", "z9hG4bK-bye-" + i, 2, "Route: " + recordRoute), ProxyHarness.UAC);
            SipMessage bye = h.forwardedTo(D1, "BYE");
            if (i % 3 == 0) {
                h.answer(bye, 200, "uas", D1);
            } else if (i % 3 == 1) {
                h.answer(bye, 481, "uas", D1);
            } else {
                h.advance(Duration.ofSeconds(40));
                assertThat(h.network.take(UAC, status(408)).cseq().methodName()).isEqualTo("BYE");
            }
            h.network.drain();
        }
        assertThat(h.tables.dialogCount()).as("every dialog whose BYE was answered is forgotten").isZero();

        h.send(h.invite("challenged"), ProxyHarness.UAC);
        h.answer(h.forwardedTo(D1, "INVITE"), 200, "uas", D1);
        h.send(h.request("BYE", "challenged", "uas", "z9hG4bK-bye-401", 2), ProxyHarness.UAC);
        h.answer(h.forwardedTo(D1, "BYE"), 401, "uas", D1);
        assertThat(h.tables.dialogCount()).as("a challenged BYE is sent again: the dialog goes on").isEqualTo(1);
        h.network.drain();
        h.send(h.request("BYE", "challenged", "uas", "z9hG4bK-bye-401b", 3), ProxyHarness.UAC);
        h.answer(h.forwardedTo(D1, "BYE"), 200, "uas", D1);
        assertThat(h.tables.dialogCount()).isZero();
        h.network.drain();

        for (int i = 0; i < 10; i++) { // never seen to end: kept for siplb.dialogs.affinity-expiry
            h.send(h.invite("open-" + i), ProxyHarness.UAC);
            h.answer(h.forwardedTo(D1, "INVITE"), 200, "uas", D1);
        }
        assertThat(h.tables.dialogCount()).isEqualTo(10);
        h.advance(h.settings.affinityExpiry().minusMinutes(1));
        assertThat(h.tables.dialogCount()).isEqualTo(10);
        h.advance(Duration.ofMinutes(2));
        assertThat(h.tables.dialogCount()).isZero();
    }
}
