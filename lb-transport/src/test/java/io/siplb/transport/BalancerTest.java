package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.testing.Fixtures;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import io.siplb.transport.udp.DatagramReceiveAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The balancer on real loopback UDP sockets, between an in-JVM caller and in-JVM backends. */
class BalancerTest {
    @RegisterExtension
    final Opened opened = new Opened();

    private static void awaitCalls(CallGenerator caller, int calls) {
        await().atMost(Duration.ofSeconds(20)).until(() -> caller.completed() + caller.failed() >= calls);
    }

    private static void placeCalls(CallGenerator caller, int calls) {
        for (int i = 0; i < calls; i++) {
            caller.call(Duration.ZERO);
        }
    }

    @Test
    void callsFlowRoundRobinOverEveryBackendWithByesFollowingTheDialog() {
        Backend a = opened.backend("a", Backend.Behaviour.HEALTHY);
        Backend b = opened.backend("b", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(a, b)));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        placeCalls(caller, 40);
        awaitCalls(caller, 40);
        assertThat(caller.completed()).isEqualTo(40);
        assertThat(a.answered()).isEqualTo(20);
        assertThat(b.answered()).isEqualTo(20);
        assertThat(a.byes()).isEqualTo(20);
        assertThat(b.byes()).isEqualTo(20);
        assertThat(lb.balancer.tables().counters().failovers.sum()).isZero();
    }

    @Test
    void hashAlgorithmsKeepEveryRequestOfACallOnOneBackend() {
        Backend a = opened.backend("a", Backend.Behaviour.HEALTHY);
        Backend b = opened.backend("b", Backend.Behaviour.HEALTHY);
        Backend c = opened.backend("c", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(a, b, c), "siplb.dispatch.algorithm=hash-callid",
                "siplb.dispatch.hash-mode=rendezvous"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, true)); // BYE without Route: by Call-ID
        placeCalls(caller, 30);
        awaitCalls(caller, 30);
        assertThat(caller.completed()).isEqualTo(30);
        for (Backend backend : List.of(a, b, c)) {
            assertThat(backend.byes()).as(backend.name()).isEqualTo(backend.answered());
        }
        assertThat(a.answered() + b.answered() + c.answered()).isEqualTo(30);
    }

    @Test
    void a503FailsOverAndTheCallerNeverSeesIt() {
        Backend refusing = opened.backend("refusing", Backend.Behaviour.refusing(1.0));
        Backend healthy = opened.backend("healthy", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(refusing, healthy), "siplb.failover.mark=none"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        placeCalls(caller, 20);
        awaitCalls(caller, 20);
        assertThat(caller.completed()).isEqualTo(20);
        assertThat(refusing.refused()).isEqualTo(10);
        assertThat(healthy.answered()).isEqualTo(20);
        assertThat(lb.balancer.tables().counters().failovers.sum()).isEqualTo(10);
    }

    @Test
    void silenceAndAClosedPortFailOverAfterTheTimeoutAndAreMarkedInactive() {
        Backend silent = opened.backend("silent", Backend.Behaviour.silentOne());
        Backend healthy = opened.backend("healthy", Backend.Behaviour.HEALTHY);
        int closedPort = LoopbackBalancer.freePort();
        List<String> lines = List.of("1 sip:127.0.0.1:" + silent.address().getPort() + " 0 3",
                "1 sip:127.0.0.1:" + closedPort + " 0 2",
                "1 sip:127.0.0.1:" + healthy.address().getPort() + " 0 1");
        LoopbackBalancer lb = opened.add(new LoopbackBalancer(lines, "siplb.dispatch.algorithm=priority"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        placeCalls(caller, 5);
        awaitCalls(caller, 5);
        assertThat(caller.completed()).isEqualTo(5);
        assertThat(healthy.answered()).isEqualTo(5);
        assertThat(lb.balancer.dispatcher().set(1).destinations())
                .extracting(d -> d.state().letters()).containsExactly("IX", "IX", "AX");
        assertThat(silent.requests()).isGreaterThanOrEqualTo(1); // it was tried, and stayed silent
    }

    /**
     * One slow moment (the machine starved while the JIT compiled) in which each destination had
     * one attempt time out marks both inactive. With the panic threshold the set is routed as if
     * both were usable and the calls after it complete; without it every call gets 503 until a
     * probe (here 30 s away, no recheck) brings one back.
     */
    @Test
    void aMomentInWhichEveryDestinationTimedOutOnceCostsOnlyTheCallsItHeld() {
        assertThat(callsAfterASetWideTimeout("50%")).as("completed of 50, in panic").isEqualTo(50);
        assertThat(callsAfterASetWideTimeout("0%")).as("completed of 50, no panic threshold").isZero();
    }

    private long callsAfterASetWideTimeout(String panicThreshold) {
        Backend a = opened.backend("a", Backend.Behaviour.HEALTHY);
        Backend b = opened.backend("b", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(a, b), "siplb.probe.interval=30s",
                "siplb.probe.recheck=0", "siplb.dispatch.panic-threshold=" + panicThreshold));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        a.behave(Backend.Behaviour.silentOne());
        b.behave(Backend.Behaviour.silentOne());
        placeCalls(caller, 1);
        awaitCalls(caller, 1);
        assertThat(caller.failed()).as("the call the moment held").isEqualTo(1);
        assertThat(lb.balancer.dispatcher().set(1).destinations()).extracting(d -> d.state().letters())
                .containsExactly("IX", "IX");
        a.behave(Backend.Behaviour.HEALTHY);
        b.behave(Backend.Behaviour.HEALTHY);
        placeCalls(caller, 50);
        awaitCalls(caller, 51);
        boolean panic = !panicThreshold.equals("0%");
        assertThat(lb.balancer.dispatcher().health(1).panic()).isEqualTo(panic);
        assertThat(lb.balancer.dispatcher().panicEpisodes()).isEqualTo(panic ? 1 : 0);
        if (panic) {
            assertThat(a.answered() + b.answered()).isEqualTo(50);
            assertThat(a.answered()).as("both carry calls").isPositive();
            assertThat(b.answered()).isPositive();
        } else {
            assertThat(caller.finalStatuses()).as("the moment's call and every one after").containsEntry(503, 51L);
        }
        return caller.completed();
    }

    @Test
    void aDestinationACallTookDownIsRecheckedWithinASecondNotAtTheProbeInterval() {
        Backend a = opened.backend("a", Backend.Behaviour.HEALTHY);
        Backend b = opened.backend("b", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(a, b), "siplb.probe.interval=30s",
                "siplb.probe.timeout=300ms", "siplb.probe.recheck=1s"));
        Destination first = lb.balancer.dispatcher().set(1).get(0);
        lb.balancer.dispatcher().markFailure(first, FailureMark.INACTIVE); // as a call does
        long markedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(first::healthy);
        assertThat(Duration.ofNanos(System.nanoTime() - markedAt)).isLessThan(Duration.ofSeconds(2));
        assertThat(first.recheck()).isFalse();
    }

    @Test
    void aLostInviteIsRecoveredByTimerA() {
        Backend lossy = opened.backend("lossy", new Backend.Behaviour(0, 503, false, true, Duration.ZERO));
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(lossy), "siplb.failover.timeout=2s",
                "siplb.sip.t1=100ms"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        placeCalls(caller, 5);
        awaitCalls(caller, 5);
        assertThat(caller.completed()).isEqualTo(5);
        assertThat(lossy.invites()).isEqualTo(10); // each call's first INVITE lost, the retransmission taken
        assertThat(lb.balancer.tables().counters().retransmissionsSent.sum()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void anEmptyOrDeadSetAnswers503AndMalformedInputNeverStopsTheNextCall() throws Exception {
        Backend healthy = opened.backend("healthy", Backend.Behaviour.HEALTHY);
        // a set whose one destination failed answers 503 only without the panic threshold, which
        // would otherwise route to it anyway (aMomentInWhichEveryDestinationTimedOutOnce…)
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(healthy), "siplb.dispatch.panic-threshold=0"));
        RawPeer raw = opened.add(new RawPeer());
        raw.send(lb.address, "garbage that is no SIP at all\r\n\r\n");
        raw.send(lb.address, new String(Fixtures.bytes("rfc4475/badinv01.sip"),
                StandardCharsets.ISO_8859_1));
        assertThat(raw.receive()).startsWith("SIP/2.0 400 ");
        raw.send(lb.address, "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:"
                + raw.port() + ";branch=z9hG4bKmf0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: mf0\r\n"
                + "CSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\nContent-Length: 0\r\n\r\n");
        assertThat(raw.receive()).startsWith("SIP/2.0 483 ");
        for (String tag : List.of("ncl", "clerr", "scalar02", "mismatch01", "ltgtruri", "bigcode", "baddn")) {
            raw.send(lb.address, new String(Fixtures.bytes("rfc4475/" + tag + ".sip"),
                    StandardCharsets.ISO_8859_1));
        }
        lb.balancer.dispatcher().markFailure(lb.balancer.dispatcher().set(1).get(0),
                FailureMark.INACTIVE);
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        placeCalls(caller, 1);
        awaitCalls(caller, 1);
        assertThat(caller.finalStatuses()).containsEntry(503, 1L);
        lb.balancer.dispatcher().setState(lb.balancer.dispatcher().set(1).get(0),
                DestinationState.ACTIVE);
        placeCalls(caller, 3);
        awaitCalls(caller, 4);
        assertThat(caller.completed()).isEqualTo(3);
        assertThat(lb.balancer.tables().counters().malformedDroppedTotal()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void twoInstancesSharingNothingRouteTheSameDialogToTheSameBackend() {
        Backend a = opened.backend("a", Backend.Behaviour.HEALTHY);
        Backend b = opened.backend("b", Backend.Behaviour.HEALTHY);
        Backend c = opened.backend("c", Backend.Behaviour.HEALTHY);
        // both advertise one name, as instances behind DNS SRV or a virtual address do
        String[] common = {"siplb.advertised-address=lb.example.com:5060", "siplb.dispatch.algorithm=random"};
        LoopbackBalancer first = opened.add(LoopbackBalancer.of(List.of(a, b, c), common));
        LoopbackBalancer second = opened.add(LoopbackBalancer.of(List.of(a, b, c), common));
        CallGenerator caller = opened.add(new CallGenerator(first.address, false));
        caller.sendInDialogRequestsTo(second.address);
        placeCalls(caller, 30);
        awaitCalls(caller, 30);
        assertThat(caller.completed()).isEqualTo(30);
        for (Backend backend : List.of(a, b, c)) {
            assertThat(backend.byes()).as(backend.name()).isEqualTo(backend.answered());
        }
        assertThat(second.balancer.tables().dialogCount()).isZero(); // it remembered nothing
        assertThat(second.balancer.tables().counters().requests.sum()).isEqualTo(60); // ACK and BYE of each call
    }

    @Test
    void drainingRefusesNewCallsWhileLiveOnesFinish() throws Exception {
        Backend slow = opened.backend("slow", new Backend.Behaviour(0, 503, false, false, Duration.ofMillis(700)));
        LoopbackBalancer lb = LoopbackBalancer.of(List.of(slow), "siplb.shutdown.drain=5s",
                "siplb.shutdown.new-requests=refuse");
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        String live = caller.call(Duration.ZERO);
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.tables().liveServerTransactions() == 1);
        Thread drain = new Thread(lb.balancer::drainAndClose);
        drain.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.tables().draining());
        caller.call(Duration.ZERO);
        drain.join(10_000);
        assertThat(drain.isAlive()).isFalse();
        // the live call was answered through the drain, the new one refused; the live call's BYE
        // comes after the balancer has closed (its last transaction was done), so it is not awaited
        await().atMost(Duration.ofSeconds(5)).until(() -> caller.finalStatuses().size() == 2);
        assertThat(slow.answered()).isEqualTo(1);
        assertThat(caller.finalStatuses()).containsEntry(200, 1L).containsEntry(503, 1L);
        assertThat(caller.outcome(live)).isNotEqualTo(CallGenerator.Outcome.FAILED);
    }

    /**
     * A restart: the first process drains while calls keep coming at 100/s, and a successor binds
     * the same port (SO_REUSEPORT) 300 ms later. A new call the draining process receives goes
     * unanswered and its retransmission reaches the successor: none fails. With
     * {@code siplb.shutdown.new-requests=refuse} the same restart answers 503.
     */
    @Test
    void aSuccessorBoundDuringTheDrainTakesEveryNewCall() throws Exception {
        Backend slow = opened.backend("slow", new Backend.Behaviour(0, 503, false, false, Duration.ofMillis(400)));
        Backend quick = opened.backend("quick", Backend.Behaviour.HEALTHY);
        List<String> lines = LoopbackBalancer.lines(List.of(slow, quick));
        LoopbackBalancer first = new LoopbackBalancer(lines, "siplb.shutdown.drain=5s");
        int port = first.address.getPort();
        CallGenerator caller = opened.add(new CallGenerator(first.address, false));
        caller.start(100, Duration.ZERO);
        Thread.sleep(1_000);
        Thread drain = new Thread(first.balancer::drainAndClose);
        drain.start(); // calls ringing on "slow" keep it draining for a while: new ones arrive meanwhile
        Thread.sleep(300);
        LoopbackBalancer second = opened.add(new LoopbackBalancer(lines, "siplb.listen=udp:127.0.0.1:" + port));
        Thread.sleep(1_500);
        caller.stop();
        drain.join(10_000);
        assertThat(drain.isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(20)).until(() -> caller.inProgress() == 0);
        assertThat(first.balancer.tables().counters().handedOver.sum()).as("new calls the drain left to the successor")
                .isPositive();
        assertThat(first.balancer.tables().counters().shed.sum()).isZero();
        assertThat(second.balancer.tables().counters().requests.sum()).isPositive();
        assertThat(caller.failed()).as("of %d calls", caller.started()).isZero();
        assertThat(caller.completed()).isEqualTo(caller.started());
    }

    @Test
    void aStoppedDestinationIsProbedDownThenBackUpAndTakesNoCallsMeanwhile() {
        Backend steady = opened.backend("steady", Backend.Behaviour.HEALTHY);
        Backend flaky = opened.backend("flaky", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(steady, flaky), "siplb.probe.interval=300ms",
                "siplb.probe.timeout=200ms", "siplb.probe.failure-threshold=2", "siplb.probe.success-threshold=2",
                "siplb.failover.mark=none"));
        Destination destination = lb.balancer.dispatcher().set(1).get(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> destination.latency().samples() >= 2);
        assertThat(destination.state().letters()).isEqualTo("AX");
        flaky.behave(Backend.Behaviour.silentOne()); // stopped
        long stoppedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> destination.state().inactive());
        // two failed probes: within interval × threshold plus one probe timeout (and scheduling slack)
        assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofMillis(2 * 300 + 200 + 700));
        long requestsWhenDown = flaky.requests();
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        placeCalls(caller, 10);
        awaitCalls(caller, 10);
        assertThat(caller.completed()).isEqualTo(10);
        assertThat(steady.answered()).isEqualTo(10);
        assertThat(flaky.invites()).isZero();
        assertThat(flaky.requests() - requestsWhenDown).isLessThanOrEqualTo(10); // only probes, a few
        flaky.behave(Backend.Behaviour.HEALTHY); // restarted
        await().atMost(Duration.ofSeconds(5)).until(() -> destination.usable());
        assertThat(lb.balancer.destinationsDown()).isEqualTo(1);
        assertThat(lb.balancer.destinationsUp()).isEqualTo(1);
        assertThat(destination.latency().timeouts()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aLaggingLoopShedsNewCallsWith503ButStillRoutesTheDialogsItHas() throws Exception {
        Backend healthy = opened.backend("healthy", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(healthy), "siplb.event-loops=1",
                "siplb.overload.max-loop-lag=20ms", "siplb.overload.drop-loop-lag=10s", "siplb.probe.interval=0",
                "siplb.failover.timeout=2s")); // the BYE crosses a loop that is 60 ms late at every turn
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        String established = caller.call(Duration.ofSeconds(2)); // its BYE comes during the lag
        await().atMost(Duration.ofSeconds(5)).until(() -> healthy.answered() == 1);
        AtomicBoolean stalling = new AtomicBoolean(true);
        Runnable stall = new Runnable() {
            @Override
            public void run() {
                try {
                    Thread.sleep(60); // a loop that keeps running its tasks late
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (stalling.get()) {
                    // scheduled, not queued: the loop still reads its socket between two stalls
                    lb.balancer.onEveryLoop(this, Duration.ofMillis(1));
                }
            }
        };
        lb.balancer.onEveryLoop(stall);
        // real backlog: bursts of keep-alives larger than one read batch, not so many that the socket
        // overflows and loses the dialog's BYE
        RawPeer flood = opened.add(new RawPeer());
        Thread flooding = new Thread(() -> {
            try {
                while (stalling.get()) {
                    for (int i = 0; i < 2 * DatagramReceiveAllocator.BATCH; i++) {
                        flood.send(lb.address, "\r\n\r\n");
                    }
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                // the test ends the flood by closing the socket
            }
        });
        flooding.start();
        await().atMost(Duration.ofSeconds(5)).until(lb.balancer::overloaded);
        caller.call(Duration.ZERO);
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.finalStatuses().getOrDefault(503, 0L) == 1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.outcome(established) != null);
        stalling.set(false);
        flooding.join(5_000);
        assertThat(caller.outcome(established)).isEqualTo(CallGenerator.Outcome.COMPLETED); // its BYE got through
        assertThat(healthy.answered()).isEqualTo(1);
        assertThat(lb.balancer.tables().counters().shed.sum()).isPositive(); // retransmissions get 503 again
    }

    @Test
    void aLoopBlockedOnceFor150MillisecondsShedsNothing() {
        Backend healthy = opened.backend("healthy", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(healthy), "siplb.probe.interval=0"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        caller.start(200, Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(5)).until(() -> caller.completed() >= 100);
        lb.balancer.onEveryLoop(() -> {
            try {
                Thread.sleep(150); // a GC pause, a JIT compilation, a neighbour's CPU steal
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long before = caller.completed();
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.completed() >= before + 300);
        caller.stop();
        awaitCalls(caller, (int) caller.started());
        assertThat(caller.failed()).isZero();
        assertThat(lb.balancer.tables().counters().shed.sum()).isZero();
        assertThat(caller.finalStatuses()).doesNotContainKey(503);
    }

    @Test
    void aFreshBalancerCarries300CallsPerSecondFromItsFirstSecond() {
        Backend a = opened.backend("a", Backend.Behaviour.HEALTHY);
        Backend b = opened.backend("b", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(a, b), "siplb.warmup.calls=5000"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false)); // at once, no pause
        caller.start(300, Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(30)).until(() -> caller.started() >= 3_000);
        caller.stop();
        awaitCalls(caller, (int) caller.started());
        assertThat(caller.failed()).isZero();
        assertThat(caller.completed()).isGreaterThanOrEqualTo(3_000);
        assertThat(lb.balancer.tables().counters().shed.sum()).isZero();
        assertThat(lb.balancer.dispatcher().set(1).get(0).usable()).isTrue();
        assertThat(lb.balancer.dispatcher().set(1).get(1).usable()).isTrue();
    }

    @Test
    void algorithm12ForksToEveryDestinationAndTheCallCompletesOnTheOneThatAnswers() {
        Backend answering = opened.backend("answering", Backend.Behaviour.HEALTHY);
        Backend busy = opened.backend("busy", Backend.Behaviour.refusing(1.0, 486));
        Backend silent = opened.backend("silent", Backend.Behaviour.silentOne());
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(answering, busy, silent),
                "siplb.dispatch.algorithm=12", "siplb.probe.interval=0", "siplb.failover.mark=none"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        placeCalls(caller, 10);
        awaitCalls(caller, 10);
        assertThat(caller.completed()).isEqualTo(10);
        assertThat(answering.answered()).isEqualTo(10);
        assertThat(answering.byes()).isEqualTo(10); // the dialog follows the branch that answered
        assertThat(busy.refused()).isEqualTo(10);
        assertThat(silent.requests()).isGreaterThanOrEqualTo(10); // it got every INVITE too, at once
    }

    @Test
    void algorithm12WithTwoAnsweringDestinationsRelaysBothAnswers() {
        Backend a = opened.backend("a", Backend.Behaviour.HEALTHY);
        Backend b = opened.backend("b", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(a, b), "siplb.dispatch.algorithm=parallel",
                "siplb.probe.interval=0"));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        for (int i = 0; i < 5; i++) {
            caller.call(Duration.ofSeconds(1)); // held: a caller forgets a call once its BYE is answered
        }
        awaitCalls(caller, 5);
        assertThat(caller.completed()).isEqualTo(5);
        assertThat(a.answered()).isEqualTo(5); // both answered every call at once
        assertThat(b.answered()).isEqualTo(5);
        assertThat(caller.laterAnswers()).isEqualTo(5); // the other 200s relayed, each before its BYE
    }
}
