package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A set's view of its usable destinations follows every kind of change a destination's usability
 * depends on at once: after each change below, the view (what rendezvous scores and what sizes a
 * large set's ring plan) holds exactly the destinations whose {@link Destination#usable()} says so.
 */
class UsableViewTest {

    @Test
    void theViewFollowsStatesTargetsDrainsAndPanic() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            lines.add("1 sip:10.0.0." + i);
        }
        lines.add("1 sip:pbx.example.test");
        Dispatcher dispatcher = new Dispatcher(StateThresholds.DEFAULT, 0.9, 50);
        dispatcher.load(DestinationListParser.parse("view.list", lines));
        DestinationSet set = dispatcher.set(1);
        Destination pbx = set.destinations().stream().filter(d -> d.uri().host().equals("pbx.example.test"))
                .findFirst().orElseThrow();
        Destination first = set.get(0);
        assertMatches(set, 21);

        dispatcher.markFailure(first, FailureMark.INACTIVE); // a call's failure
        assertMatches(set, 20);
        dispatcher.probed(first, true, true); // a probe's answer
        assertMatches(set, 21);
        dispatcher.setState(set.get(1), DestinationState.parse("d")); // an operator
        assertMatches(set, 20);
        dispatcher.adopt(set.get(1), DestinationState.ACTIVE, true, false); // another node
        assertMatches(set, 21);
        dispatcher.drain(set.get(2), Drain.OPERATOR, true);
        assertMatches(set, 20);
        dispatcher.drain(set.get(2), Drain.NONE, true);
        assertMatches(set, 21);

        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 5071);
        dispatcher.expand("sip:pbx.example.test", List.of(new DestinationTarget("pbx.example.test", address, "udp", 0, 0)));
        assertMatches(set, 21);
        dispatcher.markFailure(pbx, pbx.targets().get(0), FailureMark.INACTIVE); // its only target
        assertMatches(set, 20);
        InetSocketAddress other = new InetSocketAddress("127.0.0.1", 5072);
        dispatcher.expand("sip:pbx.example.test", List.of(new DestinationTarget("pbx.example.test", other, "udp", 0, 0)));
        assertMatches(set, 21); // another address, which starts active
        dispatcher.expand("sip:pbx.example.test", List.of()); // resolves to nothing
        assertMatches(set, 20);

        for (int i = 0; i < 11; i++) { // the name and 10 addresses down: 10 of 21 usable, below 50 %, panic
            dispatcher.markFailure(set.get(i), FailureMark.INACTIVE);
        }
        assertThat(dispatcher.health(1).panic()).isTrue();
        assertMatches(set, 20); // all but the name without an address are revived
        // the count that ends a panic, taken while a selection holds the panic's view
        dispatcher.health(1).assess(10, 20, 50); // half usable: not below 50 %
        assertMatches(set, 10);
        dispatcher.health(1).assess(9, 20, 50);
        assertThat(dispatcher.health(1).panic()).isTrue();
        assertMatches(set, 20);
        for (int i = 0; i < 11; i++) {
            dispatcher.probed(set.get(i), true, true);
        }
        assertThat(dispatcher.health(1).panic()).isFalse();
        assertMatches(set, 20);
    }

    @Test
    void aViewIsKeptWhileNothingChanges() throws Exception {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.load(DestinationListParser.parse("view.list", List.of("1 sip:10.0.0.1", "1 sip:10.0.0.2")));
        DestinationSet set = dispatcher.set(1);
        UsableView view = set.usable();
        assertThat(set.usable()).isSameAs(view);
        dispatcher.probed(set.get(0), true, false); // answered, and it was up: nothing changes
        assertThat(set.usable()).isSameAs(view);
        dispatcher.markFailure(set.get(0), FailureMark.INACTIVE);
        assertThat(set.usable()).isNotSameAs(view);
    }

    /**
     * Selections on two threads while two others change states: once the writers stop, the next
     * view holds exactly what is usable (a view stamped with the last epoch never misses the
     * change that advanced it, whatever the interleaving).
     */
    @Test
    void aViewTakenAfterConcurrentChangesHoldsTheirOutcome() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            lines.add("1 sip:10.0.1." + i);
        }
        Dispatcher dispatcher = new Dispatcher(StateThresholds.DEFAULT, 0.9, 0);
        dispatcher.load(DestinationListParser.parse("view.list", lines));
        DestinationSet set = dispatcher.set(1);
        Selector rendezvous = Algorithm.HASH_CALL_ID.newSelector(Sets.options(HashMode.RENDEZVOUS));
        for (int round = 0; round < 20; round++) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int seed = round * 2 + w;
                threads.add(new Thread(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 2_000; i++) {
                        Destination d = set.get(random.nextInt(set.size()));
                        if (random.nextBoolean()) {
                            dispatcher.markFailure(d, FailureMark.INACTIVE);
                        } else {
                            dispatcher.probed(d, true, false);
                        }
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                int reader = r;
                threads.add(new Thread(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        rendezvous.select(set, TestRequest.callId("c-" + reader + "-" + i), 0);
                    }
                }));
            }
            threads.forEach(Thread::start);
            threads.get(0).join();
            threads.get(1).join();
            stop.set(true);
            threads.get(2).join();
            threads.get(3).join();
            assertMatches(set, (int) set.destinations().stream().filter(Destination::usable).count());
        }
    }

    private static void assertMatches(DestinationSet set, int expected) {
        List<Destination> usable = set.destinations().stream().filter(Destination::usable).toList();
        UsableView view = set.usable();
        List<Destination> viewed = new ArrayList<>();
        for (int i = 0; i < view.size(); i++) {
            viewed.add(view.get(i));
            assertThat(view.uriHash(i)).isEqualTo(view.get(i).uriHash());
        }
        assertThat(viewed).containsExactlyElementsOf(usable).hasSize(expected);
        assertThat(set.usableCount()).isEqualTo(expected);
    }
}
