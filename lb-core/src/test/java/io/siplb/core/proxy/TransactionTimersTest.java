package io.siplb.core.proxy;

import static io.siplb.core.proxy.Network.method;
import static io.siplb.core.proxy.Network.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.dispatch.FailoverSettings;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.sip.SipMessage;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The timers that end a transaction, to the millisecond, in virtual time. */
class TransactionTimersTest {
    private static final int UAC = 5061;
    private static final int D1 = 6001;
    private static final int D2 = 6002;
    private static final int D3 = 6003;
    private static final Duration MS = Duration.ofMillis(1);

    private static ProxyHarness harness(int destinations, Duration frTimer, Duration inviteTimeout, Duration lifetime) {
        return new ProxyHarness(destinations, s -> s.withFailover(new FailoverSettings(s.failover().codes(), frTimer,
                inviteTimeout, FailureMark.NONE, 503, lifetime)));
    }

    @Test
    void aCancelledBranchThatNeverAnswersIsGivenUpAfter64T1With487Upstream() {
        ProxyHarness h = harness(1, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(180));
        h.send(h.invite("deaf"), ProxyHarness.UAC);
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        h.answer(invite, 180, "deaf", D1);
        h.network.drain();
        h.send(h.request("CANCEL", "deaf", null, "z9hG4bK-deaf-1", 1), ProxyHarness.UAC);
        h.network.take(UAC, status(200));
        h.forwardedTo(D1, "CANCEL"); // never answered, nor is the INVITE
        h.advance(Duration.ofSeconds(32).minus(MS)); // 64 × T1 (500 ms)
        assertThat(h.network.count(UAC, status(487))).isZero();
        h.advance(MS);
        h.network.take(UAC, status(487));
        assertThat(h.tables.liveServerTransactions()).isZero();
    }

    @Test
    void aCancelledBranchThatAnswersGetsItsOwn487Relayed() {
        ProxyHarness h = harness(1, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(180));
        h.send(h.invite("polite"), ProxyHarness.UAC);
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        h.answer(invite, 180, "polite", D1);
        h.send(h.request("CANCEL", "polite", null, "z9hG4bK-polite-1", 1), ProxyHarness.UAC);
        h.forwardedTo(D1, "CANCEL");
        h.advance(Duration.ofSeconds(5));
        h.answer(invite, 487, "polite", D1);
        assertThat(h.network.take(UAC, status(487)).to().tag()).isEqualTo("polite");
        h.send(h.request("ACK", "polite", "polite", "z9hG4bK-polite-1", 1), ProxyHarness.UAC); // stops Timer G
        h.advance(Duration.ofSeconds(60));
        assertThat(h.network.count(UAC, status(487))).isZero(); // no 487 of our own after the give-up time
    }

    @Test
    void theLifetimeEndsARingingBranchWith408AndNoFurtherDestinationIsTried() {
        ProxyHarness h = harness(3, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(10));
        h.send(h.invite("timer-c"), ProxyHarness.UAC);
        h.forwardedTo(D1, "INVITE"); // silent
        h.advance(Duration.ofSeconds(2));
        SipMessage second = h.forwardedTo(D2, "INVITE");
        h.answer(second, 180, "ringing", D2);
        h.advance(Duration.ofSeconds(8).minus(MS));
        assertThat(h.network.count(UAC, status(408))).isZero();
        assertThat(h.network.count(D2, method("CANCEL"))).isZero();
        h.advance(MS); // 10 s after the INVITE came
        h.network.take(UAC, status(408));
        h.forwardedTo(D2, "CANCEL");
        assertThat(h.network.count(D3, method("INVITE"))).isZero();
    }

    @Test
    void everyAttemptIsClampedToTheLifetimeLeftAndTheBestResponseGoesUpstream() {
        ProxyHarness h = harness(3, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(3));
        h.send(h.invite("clamped"), ProxyHarness.UAC);
        h.answer(h.forwardedTo(D1, "INVITE"), 503, "busy", D1); // at 0: fails over, best so far
        h.forwardedTo(D2, "INVITE"); // silent: its fr_timer ends at 2 s
        h.advance(Duration.ofSeconds(2));
        h.forwardedTo(D3, "INVITE"); // silent: 1 s of the lifetime left, not fr_timer's 2 s
        h.advance(Duration.ofSeconds(1).minus(MS));
        assertThat(h.network.count(UAC, status(503))).isZero();
        h.advance(MS);
        assertThat(h.network.take(UAC, status(503)).to().tag()).isEqualTo("busy"); // D1's, relayed
    }

    @Test
    void aNonInviteHasNoLifetimeButItsFrTimer() {
        ProxyHarness h = harness(2, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(1));
        h.send(h.request("OPTIONS", "ping", null, "z9hG4bK-ping", 1), ProxyHarness.UAC);
        h.forwardedTo(D1, "OPTIONS");
        h.advance(Duration.ofSeconds(2));
        h.answer(h.forwardedTo(D2, "OPTIONS"), 200, "pong", D2);
        h.network.take(UAC, status(200));
    }

    /** Sets up a dialog with D1 and sends its BYE from the caller; returns the harness. */
    private static ProxyHarness byeSent(String callId, int refusedSends) {
        ProxyHarness h = harness(2, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(180));
        h.send(h.invite(callId), ProxyHarness.UAC);
        SipMessage invite = h.forwardedTo(D1, "INVITE");
        h.answer(invite, 200, "uas", D1);
        h.network.drain();
        h.network.refuseNext = refusedSends;
        h.send(h.request("BYE", callId, "uas", "z9hG4bK-" + callId + "-bye", 2,
                "Route: " + invite.headerValue("Record-Route")), ProxyHarness.UAC);
        return h;
    }

    @Test
    void aByeWithNowhereElseToGoIsRetransmittedUntilTimerFNotCutShortByFrTimer() {
        ProxyHarness h = byeSent("lossy-bye", 0);
        long[] copiesAt = {0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500};
        long now = 0;
        for (int i = 0; i < copiesAt.length; i++) {
            h.advance(Duration.ofMillis(copiesAt[i] - now).minus(i == 0 ? Duration.ZERO : MS));
            if (i > 0) {
                assertThat(h.network.count(D1, method("BYE"))).as("no copy %d before %d ms", i, copiesAt[i]).isZero();
                h.advance(MS);
            }
            now = copiesAt[i];
            assertThat(h.network.count(D1, method("BYE"))).as("copy %d at %d ms", i, copiesAt[i]).isEqualTo(1);
            if (i < copiesAt.length - 1) {
                h.network.take(D1, method("BYE")); // lost on the way
            }
        }
        assertThat(h.network.count(UAC, status(408))).as("no 408 at fr_timer (2 s)").isZero();
        h.answer(h.forwardedTo(D1, "BYE"), 200, "uas", D1); // the eleventh copy gets through
        h.network.take(UAC, status(200));
        assertThat(h.tables.liveServerTransactions()).isZero();
    }

    @Test
    void aByeNoOneAnswersGets408AtTimerF() {
        ProxyHarness h = byeSent("deaf-bye", 0);
        h.advance(Duration.ofSeconds(32).minus(MS));
        assertThat(h.network.count(UAC, status(408))).isZero();
        h.advance(MS);
        h.network.take(UAC, status(408));
    }

    @Test
    void aByeToADestinationMarkedDownGets408AtTheNextFrTimer() {
        ProxyHarness h = byeSent("gone-bye", 0);
        h.advance(Duration.ofSeconds(3)); // past one fr_timer (2 s): the destination is up, it waits on
        assertThat(h.network.count(UAC, status(408))).isZero();
        h.dispatcher.markFailure(h.dispatcher.set(1).get(0), FailureMark.INACTIVE); // a probe found it gone
        h.advance(Duration.ofSeconds(1).minus(MS));
        assertThat(h.network.count(UAC, status(408))).isZero();
        h.advance(MS); // the next fr_timer, at 4 s
        h.network.take(UAC, status(408));
    }

    @Test
    void aDatagramTheKernelRefusesToSendIsALostCopyNotAnAnswer() {
        ProxyHarness h = byeSent("refused-bye", 1); // a firewall drops the first copy (EPERM)
        assertThat(h.network.count(UAC, status(408))).as("not answered at once").isZero();
        assertThat(h.network.count(D1, method("BYE"))).isZero();
        h.advance(Duration.ofMillis(500)); // Timer E
        h.answer(h.forwardedTo(D1, "BYE"), 200, "uas", D1);
        h.network.take(UAC, status(200));

        ProxyHarness invite = harness(2, Duration.ofSeconds(2), Duration.ofSeconds(120), Duration.ofSeconds(180));
        invite.network.refuseNext = 2; // the 100 Trying to the caller, then the INVITE to D1
        invite.send(invite.invite("refused-invite"), ProxyHarness.UAC);
        assertThat(invite.network.count(D2, method("INVITE"))).as("no failover at once").isZero();
        invite.advance(Duration.ofMillis(500)); // Timer A: the same destination again
        invite.answer(invite.forwardedTo(D1, "INVITE"), 200, "uas", D1);
        invite.network.take(UAC, status(200));
        assertThat(invite.dispatcher.set(1).get(0).state().letters()).as("a refused send marks nothing").isEqualTo("AX");
    }
}
