package io.siplb.transport.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.DestinationTarget;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.Drain;
import io.siplb.core.dispatch.FailoverCodes;
import io.siplb.core.dispatch.FailureMark;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Kamailio's probing modes 0 to 3 on four destinations — a active, b active and flagged probing,
 * c inactive and flagged probing, d inactive — in virtual time: who is probed, and what each
 * answer does to the state and the probing flag.
 */
class ProberTest {
    private static final String OK_TEXT = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-p\r\n"
            + "From: <sip:siplb@localhost>;tag=1\r\nTo: <sip:a@127.0.0.1>;tag=2\r\nCall-ID: p\r\nCSeq: 1 OPTIONS\r\n"
            + "Content-Length: 0\r\n\r\n";
    private static final SipMessage OK = response(OK_TEXT);

    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final Dispatcher dispatcher = new Dispatcher();
    private final List<String> probed = new ArrayList<>();

    /** Runs one interval of probing in {@code mode}; destinations named in {@code alive} answer 200. */
    private void probeOnce(int mode, Set<String> alive) throws Exception {
        dispatcher.load(DestinationListParser.parse("probe.list", List.of("1 sip:a 0 4", "1 sip:b 8 3",
                "1 sip:c 9 2", "1 sip:d 1 1")));
        ProbeSettings settings = new ProbeSettings(Duration.ofSeconds(1), Duration.ofMillis(500), "OPTIONS",
                "sip:siplb@localhost", mode, FailoverCodes.parse("", 100));
        Prober prober = new Prober(settings, dispatcher, 1, number -> channel(name -> alive.contains(name)), clock);
        prober.start();
        clock.advanceTimeBy(Duration.ofMillis(1_100)); // every chosen destination once, none twice
        prober.close();
        assertThat(prober.sent.sum()).isEqualTo(probed.size());
        assertThat(prober.alive.sum() + prober.failed.sum()).isEqualTo(probed.size());
    }

    /**
     * A channel that runs probes at once, records each destination's name (its URI after
     * {@code sip:}) and answers 200 when {@code answers} says so, else nothing.
     */
    private Prober.ProbeChannel channel(Predicate<String> answers) {
        return replying(name -> answers.test(name) ? OK : null);
    }

    private String letters(String name) {
        return dispatcher.find(1, "sip:" + name).orElseThrow().state().letters();
    }

    @Test
    void mode0ProbesTheFlaggedAndClearsTheFlagOnSuccess() throws Exception {
        probeOnce(0, Set.of("a", "b", "c", "d"));
        assertThat(probed).containsExactlyInAnyOrder("b", "c");
        assertThat(List.of(letters("a"), letters("b"), letters("c"), letters("d")))
                .containsExactly("AX", "AX", "AX", "IX");
    }

    @Test
    void mode0KeepsTheFlagOnFailureWhereKamailioDropsIt() throws Exception {
        probeOnce(0, Set.of());
        assertThat(List.of(letters("b"), letters("c"))).containsExactly("IP", "IP");
    }

    @Test
    void mode1ProbesAllAndFlagsTheFailed() throws Exception {
        probeOnce(1, Set.of("a", "c"));
        assertThat(probed).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(List.of(letters("a"), letters("b"), letters("c"), letters("d")))
                .containsExactly("AX", "IP", "AP", "IP");
    }

    @Test
    void mode2ProbesOnlyTheFlaggedInactiveAndClearsTheFlagOnSuccess() throws Exception {
        probeOnce(2, Set.of("a", "b", "c", "d"));
        assertThat(probed).containsExactly("c");
        assertThat(letters("c")).isEqualTo("AX");
        assertThat(letters("b")).isEqualTo("AP");
    }

    @Test
    void mode3ProbesTheFlaggedAndKeepsTheFlagOnSuccess() throws Exception {
        probeOnce(3, Set.of("b", "c"));
        assertThat(probed).containsExactlyInAnyOrder("b", "c");
        assertThat(List.of(letters("b"), letters("c"))).containsExactly("AP", "AP");
    }

    private static SipMessage response(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
    }

    @Test
    void aDestinationACallTookDownIsProbedAtOnceThenAtTheRecheckIntervalUntilItAnswers() throws Exception {
        dispatcher.load(DestinationListParser.parse("probe.list", List.of("1 sip:a 0 2", "1 sip:b 0 1")));
        ProbeSettings settings = new ProbeSettings(Duration.ofSeconds(10), Duration.ofMillis(500), "OPTIONS",
                "sip:siplb@localhost", 1, FailoverCodes.parse("", 100), Duration.ofSeconds(1), ProbeDrain.NONE,
                ProbeLoad.NONE);
        List<Long> probesOfA = new ArrayList<>();
        AtomicBoolean answering = new AtomicBoolean();
        Prober prober = new Prober(settings, dispatcher, 1, number -> channel(name -> {
            if (!name.equals("a")) {
                return true;
            }
            probesOfA.add(clock.now(TimeUnit.MILLISECONDS));
            return answering.get();
        }), clock);
        prober.start();
        clock.advanceTimeBy(Duration.ofSeconds(10)); // each once, at its offset in the interval
        assertThat(probed).containsExactlyInAnyOrder("a", "b");
        probesOfA.clear();

        Destination a = dispatcher.find(1, "sip:a").orElseThrow();
        long failedAt = clock.now(TimeUnit.MILLISECONDS);
        dispatcher.markFailure(a, FailureMark.INACTIVE); // a call timed out on it
        clock.advanceTimeBy(Duration.ofMillis(3_150));
        assertThat(probesOfA).as("at once (the next tick), then every second while it stays silent").hasSize(4);
        assertThat(probesOfA.get(0) - failedAt).isLessThanOrEqualTo(100);
        for (int i = 1; i < probesOfA.size(); i++) {
            assertThat(probesOfA.get(i) - probesOfA.get(i - 1)).isBetween(1_000L, 1_100L);
        }
        answering.set(true);
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(a.state().letters()).startsWith("A");
        assertThat(a.recheck()).isFalse();
        int before = probesOfA.size();
        clock.advanceTimeBy(Duration.ofSeconds(9));
        assertThat(probesOfA).as("back at the probe interval").hasSize(before);
        clock.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(probesOfA).hasSize(before + 1);
        prober.close();
    }

    /** A reply that says "closing" drains its destination (alive, not down); a reply that does not ends that drain. */
    @Test
    void aClosingReplyDrainsTheDestinationAndANormalOneEndsIt() throws Exception {
        dispatcher.load(DestinationListParser.parse("probe.list", List.of("1 sip:fs1 0 2", "1 sip:fs2 0 1")));
        ProbeSettings settings = new ProbeSettings(Duration.ofSeconds(1), Duration.ofMillis(500), "OPTIONS",
                "sip:siplb@localhost", 1, FailoverCodes.parse("", 100), Duration.ZERO,
                new ProbeDrain(FailoverCodes.parse("503", 100), "X-FS-Status", "closing"), ProbeLoad.NONE);
        SipMessage closingByHeader = response(OK_TEXT.replace("Content-Length: 0", "X-FS-Status: Closing\r\nContent-Length: 0"));
        SipMessage closingByCode = response(OK_TEXT.replace("200 OK", "503 Service Unavailable")
                .replace("Content-Length: 0", "Retry-After: 60\r\nContent-Length: 0"));
        AtomicReference<SipMessage> fs1 = new AtomicReference<>(closingByHeader);
        Prober prober = new Prober(settings, dispatcher, 1, number -> replying(name -> name.equals("fs1") ? fs1.get()
                : closingByCode), clock);
        prober.start();
        clock.advanceTimeBy(Duration.ofMillis(1_100));
        Destination one = dispatcher.find(1, "sip:fs1").orElseThrow();
        Destination two = dispatcher.find(1, "sip:fs2").orElseThrow();
        assertThat(one.drain()).isEqualTo(Drain.PROBE);
        assertThat(two.drain()).isEqualTo(Drain.PROBE);
        assertThat(List.of(letters("fs1"), letters("fs2"))).as("alive, not down").containsExactly("AX", "AX");
        assertThat(one.usable()).as("no new calls").isFalse();
        assertThat(prober.failed.sum()).isZero();

        fs1.set(OK);
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(one.drain()).isEqualTo(Drain.NONE);
        assertThat(one.usable()).isTrue();

        dispatcher.drain(two, Drain.OPERATOR, true); // an operator's drain outlasts any reply
        fs1.set(OK);
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(two.drain()).isEqualTo(Drain.OPERATOR);
        prober.close();
    }

    /** X-FS-Calls in a reply becomes the destination's load; a figure that is no integer 0..2^31-1 is ignored and counted. */
    @Test
    void aReportedLoadStandsAndABadFigureIsIgnoredAndCounted() throws Exception {
        dispatcher.load(DestinationListParser.parse("probe.list", List.of("1 sip:fs1 0 1")));
        ProbeSettings settings = new ProbeSettings(Duration.ofSeconds(1), Duration.ofMillis(500), "OPTIONS",
                "sip:siplb@localhost", 1, FailoverCodes.parse("", 100), Duration.ZERO, ProbeDrain.NONE,
                new ProbeLoad("X-FS-Calls", "X-FS-Max-Calls", Duration.ofMinutes(1)));
        AtomicReference<SipMessage> reply = new AtomicReference<>(response(OK_TEXT.replace("Content-Length: 0",
                "X-FS-Calls: 12\r\nX-FS-Max-Calls: 40\r\nContent-Length: 0")));
        Prober prober = new Prober(settings, dispatcher, 1, number -> replying(name -> reply.get()), clock);
        prober.start();
        clock.advanceTimeBy(Duration.ofMillis(1_100));
        Destination fs1 = dispatcher.find(1, "sip:fs1").orElseThrow();
        assertThat(fs1.load()).isEqualTo(12);
        assertThat(fs1.capacity()).isEqualTo(40);
        for (String bad : List.of("abc", "-5", "2147483648", "")) {
            reply.set(response(OK_TEXT.replace("Content-Length: 0", "X-FS-Calls: " + bad + "\r\nContent-Length: 0")));
            clock.advanceTimeBy(Duration.ofSeconds(1));
        }
        assertThat(prober.loadRejected()).isEqualTo(4);
        assertThat(fs1.load()).as("the last good figure stands").isEqualTo(12);
        reply.set(response(OK_TEXT.replace("Content-Length: 0", "X-FS-Calls: 30\r\nContent-Length: 0")));
        clock.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(fs1.load()).isEqualTo(30);
        assertThat(fs1.capacity()).as("no capacity header now: maxload (none)").isZero();
        prober.close();
    }

    /**
     * A channel that runs probes at once, records each destination's name (its URI after
     * {@code sip:}) and answers with {@code reply}'s message for it, or nothing when that is null.
     */
    private Prober.ProbeChannel replying(Function<String, SipMessage> reply) {
        return new Prober.ProbeChannel() {
            @Override
            public void execute(Runnable task) {
                task.run();
            }

            @Override
            public Mono<SipMessage> probe(Destination destination, String method, String from, Duration timeout) {
                String name = destination.uri().text().substring(4);
                probed.add(name);
                return Mono.justOrEmpty(reply.apply(name));
            }

            @Override
            public Mono<SipMessage> probe(Destination destination, DestinationTarget target,
                    String method, String from, Duration timeout) {
                throw new AssertionError("these destinations have no DNS targets");
            }
        };
    }
}
