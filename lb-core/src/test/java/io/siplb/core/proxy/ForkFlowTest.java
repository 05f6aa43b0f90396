package io.siplb.core.proxy;

import static io.siplb.core.proxy.Network.method;
import static io.siplb.core.proxy.Network.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.dispatch.Algorithm;
import io.siplb.core.dispatch.DispatchSettings;
import io.siplb.core.dispatch.HashMode;
import io.siplb.core.sip.SipMessage;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Algorithm 12 forks an INVITE to every usable destination (RFC 3261 §16.7), in virtual time. */
class ForkFlowTest {
    private static final int UAC = 5061;
    private static final int D1 = 6001;
    private static final int D2 = 6002;
    private static final int D3 = 6003;

    private static ProxyHarness forking(int destinations) {
        return new ProxyHarness(destinations,
                s -> s.withDispatch(new DispatchSettings(1, Algorithm.PARALLEL, 0, HashMode.KAMAILIO, null)));
    }

    @Test
    void oneBranchAnswers200AnotherRefusesAndTheSilentOneIsCancelledWhenItRings() {
        ProxyHarness h = forking(3);
        h.send(h.invite("fork"), ProxyHarness.UAC);
        h.network.take(UAC, status(100));
        SipMessage a = h.forwardedTo(D1, "INVITE");
        SipMessage b = h.forwardedTo(D2, "INVITE");
        SipMessage c = h.forwardedTo(D3, "INVITE"); // all three at once, each with its own branch
        assertThat(a.topVia().branch().toString()).isNotEqualTo(b.topVia().branch().toString());
        h.answer(b, 486, "busy", D2);
        assertThat(h.network.take(D2, method("ACK")).to().tag()).isEqualTo("busy"); // hop by hop
        assertThat(h.network.count(UAC, status(486))).isZero(); // not yet: another branch may answer
        h.answer(a, 180, "a", D1);
        h.network.take(UAC, status(180));
        h.answer(a, 200, "a", D1);
        assertThat(h.network.take(UAC, status(200)).to().tag()).isEqualTo("a");
        assertThat(h.network.count(D3, method("CANCEL"))).isZero(); // D3 has not answered: §9.1
        h.answer(c, 180, "c", D3);
        h.forwardedTo(D3, "CANCEL");
        assertThat(h.network.count(UAC, status(180))).isZero(); // the late ringing is not relayed
        h.answer(c, 487, "c", D3);
        h.network.take(D3, method("ACK"));
        assertThat(h.network.count(UAC, status(487))).isZero();
        assertThat(h.tables.liveServerTransactions()).isZero();
        assertThat(h.tables.dialogCount()).isEqualTo(1);
    }

    @Test
    void twoBranchesAnswering200AreBothRelayed() {
        ProxyHarness h = forking(2);
        h.send(h.invite("twice"), ProxyHarness.UAC);
        SipMessage a = h.forwardedTo(D1, "INVITE");
        SipMessage b = h.forwardedTo(D2, "INVITE");
        h.answer(a, 180, "a", D1);
        h.answer(b, 180, "b", D2);
        h.answer(a, 200, "a", D1);
        assertThat(h.network.take(UAC, status(200)).to().tag()).isEqualTo("a");
        h.forwardedTo(D2, "CANCEL"); // crosses b's 200
        h.answer(b, 200, "b", D2);
        assertThat(h.network.take(UAC, status(200)).to().tag()).isEqualTo("b"); // §16.7 step 5
    }

    @Test
    void withoutA2xxTheBestFinalGoesUpstreamOnceEveryBranchHasEnded() {
        ProxyHarness h = forking(3);
        h.send(h.invite("best"), ProxyHarness.UAC);
        SipMessage a = h.forwardedTo(D1, "INVITE");
        SipMessage b = h.forwardedTo(D2, "INVITE");
        h.forwardedTo(D3, "INVITE"); // silent
        h.answer(a, 503, "a", D1);
        h.answer(b, 486, "b", D2);
        h.advance(Duration.ofSeconds(2).minusMillis(1));
        assertThat(h.network.count(UAC, m -> !m.isRequest() && m.statusCode() >= 300)).isZero();
        h.advance(Duration.ofMillis(1)); // D3's fr_timer: every branch has ended
        assertThat(h.network.take(UAC, status(486)).to().tag()).isEqualTo("b"); // 4xx beats 5xx
    }

    @Test
    void a6xxCancelsTheOtherBranchesAndWins() {
        ProxyHarness h = forking(2);
        h.send(h.invite("decline"), ProxyHarness.UAC);
        SipMessage a = h.forwardedTo(D1, "INVITE");
        SipMessage b = h.forwardedTo(D2, "INVITE");
        h.answer(b, 180, "b", D2);
        h.answer(a, 603, "a", D1);
        h.forwardedTo(D2, "CANCEL");
        h.answer(b, 487, "b", D2);
        assertThat(h.network.take(UAC, status(603)).to().tag()).isEqualTo("a");
    }

    @Test
    void aCancelFromUpstreamCancelsEveryRingingBranchAndOne487GoesUpstream() {
        ProxyHarness h = forking(2);
        h.send(h.invite("abandon"), ProxyHarness.UAC);
        SipMessage a = h.forwardedTo(D1, "INVITE");
        SipMessage b = h.forwardedTo(D2, "INVITE");
        h.answer(a, 180, "a", D1);
        h.answer(b, 180, "b", D2);
        h.send(h.request("CANCEL", "abandon", null, "z9hG4bK-abandon-1", 1), ProxyHarness.UAC);
        h.network.take(UAC, status(200));
        h.forwardedTo(D1, "CANCEL");
        h.forwardedTo(D2, "CANCEL");
        h.answer(a, 487, "a", D1);
        h.answer(b, 487, "b", D2);
        h.network.take(UAC, status(487));
        assertThat(h.network.count(UAC, status(487))).isZero();
    }

    @Test
    void everyBranchSilentGives503WithRetryAfter() {
        ProxyHarness h = forking(2);
        h.send(h.invite("nobody"), ProxyHarness.UAC);
        h.forwardedTo(D1, "INVITE");
        h.forwardedTo(D2, "INVITE");
        h.advance(Duration.ofSeconds(2));
        assertThat(h.network.take(UAC, status(503)).headerValue("Retry-After").toString()).isEqualTo("5");
    }

    @Test
    void aNonInviteIsNotForkedButTriedInTurn() {
        ProxyHarness h = forking(2);
        h.send(h.request("OPTIONS", "options", null, "z9hG4bK-options", 1), ProxyHarness.UAC);
        h.forwardedTo(D1, "OPTIONS");
        assertThat(h.network.count(D2, method("OPTIONS"))).isZero();
    }
}
