package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DispatcherTest {

    private final List<String> events = new ArrayList<>();

    private Dispatcher dispatcher(StateThresholds thresholds, String... lines) throws Exception {
        Dispatcher dispatcher = new Dispatcher(thresholds, 0.9);
        dispatcher.load(DestinationListParser.parse("t.list", List.of(lines)));
        dispatcher.addListener((d, before, after) ->
                events.add(d.uri().host() + " " + before.letters() + "->" + after.letters()));
        return dispatcher;
    }

    private static Destination only(Dispatcher dispatcher) {
        return dispatcher.set(1).get(0);
    }

    @Test
    void lettersFollowKamailiosPrecedence() {
        assertThat(new DestinationState(0).letters()).isEqualTo("AX");
        assertThat(new DestinationState(DestinationState.PROBING).letters()).isEqualTo("AP");
        assertThat(new DestinationState(DestinationState.TRYING | DestinationState.PROBING).letters()).isEqualTo("TP");
        assertThat(new DestinationState(DestinationState.INACTIVE | DestinationState.TRYING).letters()).isEqualTo("IX");
        assertThat(new DestinationState(DestinationState.INACTIVE | DestinationState.DISABLED).letters()).isEqualTo("IX");
        assertThat(new DestinationState(DestinationState.DISABLED | DestinationState.TRYING).letters()).isEqualTo("DX");
        assertThat(DestinationState.parse("ip").letters()).isEqualTo("IP");
        assertThat(DestinationState.parse("1").letters()).isEqualTo("AX");
        assertThat(DestinationState.parse("dp").letters()).isEqualTo("DX");
        assertThat(DestinationState.parse("T").trying()).isTrue();
        assertThatThrownBy(() -> DestinationState.parse("x")).hasMessageContaining("must be a, i, d or t");
        assertThatThrownBy(() -> DestinationState.parse("aq")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withDefaultThresholdsOneFailureMakesItInactiveAndOneProbeBringsItBack() throws Exception {
        Dispatcher dispatcher = dispatcher(StateThresholds.DEFAULT, "1 sip:a 8");
        Destination a = only(dispatcher);
        dispatcher.markFailure(a, FailureMark.TRYING);
        assertThat(a.state().letters()).isEqualTo("IP");
        dispatcher.probed(a, true, true);
        assertThat(a.state().letters()).isEqualTo("AP");
        assertThat(events).containsExactly("a AP->IP", "a IP->AP");
    }

    @Test
    void failureAndSuccessThresholdsCountInARow() throws Exception {
        Dispatcher dispatcher = dispatcher(new StateThresholds(3, 2), "1 sip:a 8");
        Destination a = only(dispatcher);
        dispatcher.probed(a, false, true);
        dispatcher.probed(a, false, true);
        assertThat(a.state().letters()).isEqualTo("TP");
        assertThat(a.usable()).isTrue();
        dispatcher.probed(a, false, true);
        assertThat(a.state().letters()).isEqualTo("IP");
        dispatcher.probed(a, false, true); // already down: stays down, no new event
        assertThat(a.state().letters()).isEqualTo("IP");
        dispatcher.probed(a, true, true);
        assertThat(a.state().letters()).isEqualTo("IP");
        dispatcher.probed(a, true, true);
        assertThat(a.state().letters()).isEqualTo("AP");
        assertThat(events).containsExactly("a TP->IP", "a IP->AP");
    }

    @Test
    void aSuccessBetweenFailuresStartsTheCountAgain() throws Exception {
        Dispatcher dispatcher = dispatcher(new StateThresholds(2, 1), "1 sip:a");
        Destination a = only(dispatcher);
        dispatcher.probed(a, false, false);
        dispatcher.probed(a, true, false);
        dispatcher.probed(a, false, false);
        assertThat(a.state().letters()).isEqualTo("TX");
        dispatcher.probed(a, false, false);
        assertThat(a.state().letters()).isEqualTo("IX");
    }

    @Test
    void aProbeResultSetsOrClearsTheProbingFlagAsTheProberSays() throws Exception {
        Dispatcher dispatcher = dispatcher(StateThresholds.DEFAULT, "1 sip:a 8");
        Destination a = only(dispatcher);
        dispatcher.probed(a, true, false); // alive, flag cleared (modes 0 and 2)
        assertThat(a.state().letters()).isEqualTo("AX");
        dispatcher.probed(a, false, true); // failed, flag set (modes 1 to 3)
        assertThat(a.state().letters()).isEqualTo("IP");
        dispatcher.probed(a, true, true); // alive, flag kept (modes 1 and 3)
        assertThat(a.state().letters()).isEqualTo("AP");
        assertThat(events).containsExactly("a AX->IP", "a IP->AP");
    }

    @Test
    void markInactiveIsImmediateAndNoneDoesNothing() throws Exception {
        Dispatcher dispatcher = dispatcher(new StateThresholds(5, 1), "1 sip:a", "1 sip:b");
        Destination b = dispatcher.set(1).get(0);
        dispatcher.markFailure(b, FailureMark.NONE);
        assertThat(b.state().letters()).isEqualTo("AX");
        dispatcher.markFailure(b, FailureMark.INACTIVE);
        assertThat(b.state().letters()).isEqualTo("IX");
        assertThat(events).containsExactly("b AX->IX");
    }

    @Test
    void disabledDestinationsIgnoreProbesUntilTheOperatorActs() throws Exception {
        Dispatcher dispatcher = dispatcher(StateThresholds.DEFAULT, "1 sip:a 4");
        Destination a = only(dispatcher);
        assertThat(a.state().letters()).isEqualTo("DX");
        dispatcher.probed(a, true, false);
        dispatcher.probed(a, false, false);
        assertThat(a.state().letters()).isEqualTo("DX");
        dispatcher.setState(a, DestinationState.parse("ap"));
        assertThat(a.state().letters()).isEqualTo("AP");
        assertThat(events).containsExactly("a DX->AP");
    }

    @Test
    void reloadKeepsTheStateOfUnchangedDestinations(@TempDir Path dir) throws Exception {
        Dispatcher dispatcher = dispatcher(StateThresholds.DEFAULT, "1 sip:a 8", "1 sip:b 8", "1 sip:c 8");
        Destination a = dispatcher.find(1, "sip:a").orElseThrow();
        dispatcher.markFailure(a, FailureMark.INACTIVE);
        a.latency().record(42);
        Path file = dir.resolve("d.list");
        Files.writeString(file, "1 sip:a 8 0 weight=5\n1 sip:b 12\n1 sip:d 8\n");
        dispatcher.reload(file);
        assertThat(dispatcher.find(1, "sip:a").orElseThrow().state().letters()).isEqualTo("IP");
        assertThat(dispatcher.find(1, "sip:a").orElseThrow().latency().samples()).isEqualTo(1);
        assertThat(dispatcher.find(1, "sip:a").orElseThrow().attributes().weight()).isEqualTo(5);
        // b's flags column changed: the operator's new initial state applies
        assertThat(dispatcher.find(1, "sip:b").orElseThrow().state().letters()).isEqualTo("DX");
        assertThat(dispatcher.find(1, "sip:c")).isEmpty();
        assertThat(dispatcher.find(1, "sip:d").orElseThrow().state().letters()).isEqualTo("AP");
    }

    @Test
    void reloadKeepsTheObjectOfAnUnchangedLineAndMakesANewOneForAChangedLine(@TempDir Path dir) throws Exception {
        Dispatcher dispatcher = dispatcher(StateThresholds.DEFAULT, "1 sip:a 8", "1 sip:b 8 5");
        Destination a = dispatcher.find(1, "sip:a").orElseThrow();
        Destination b = dispatcher.find(1, "sip:b").orElseThrow();
        Path file = dir.resolve("d.list");
        Files.writeString(file, "1 sip:a 8\n1 sip:b 8 6\n");
        dispatcher.reload(file);
        assertThat(dispatcher.find(1, "sip:a").orElseThrow()).isSameAs(a);
        Destination newB = dispatcher.find(1, "sip:b").orElseThrow();
        assertThat(newB).isNotSameAs(b);
        assertThat(newB.priority()).isEqualTo(6);
        // same flags: the new object shares the old one's runtime, so a failure marked on one shows on the other
        dispatcher.markFailure(newB, FailureMark.INACTIVE);
        assertThat(b.state().letters()).isEqualTo("IP");
        assertThat(dispatcher.set(1).destinations()).containsExactly(newB, a); // Kamailio's order: priority first
    }

    @Test
    void aBrokenReloadLeavesTheListInForce(@TempDir Path dir) throws Exception {
        Dispatcher dispatcher = dispatcher(StateThresholds.DEFAULT, "1 sip:a", "1 sip:b");
        Path file = dir.resolve("d.list");
        Files.writeString(file, "1 sip:a\n1 sip:c 0 0 maxload=lots\n");
        assertThatThrownBy(() -> dispatcher.reload(file))
                .isInstanceOf(DestinationListException.class)
                .hasMessage(file + ":2: attribute maxload=lots must be an integer 0..2^31-1");
        assertThat(dispatcher.set(1).destinations()).extracting(d -> d.uri().host()).containsExactly("b", "a");
    }

    @Test
    void addAndRemoveAtRunTime() throws Exception {
        Dispatcher dispatcher = dispatcher(StateThresholds.DEFAULT, "1 sip:a 0 5");
        Destination a = dispatcher.find(1, "sip:a").orElseThrow();
        dispatcher.markFailure(a, FailureMark.INACTIVE);
        dispatcher.add(DestinationListParser.parseLine("1 sip:b 0 9", 0));
        dispatcher.add(DestinationListParser.parseLine("7 sip:c", 0));
        assertThat(dispatcher.set(1).destinations()).extracting(d -> d.uri().host()).containsExactly("b", "a");
        assertThat(dispatcher.find(1, "sip:a").orElseThrow().state().inactive()).isTrue();
        assertThat(dispatcher.set(7).size()).isEqualTo(1);
        assertThat(dispatcher.remove(1, "sip:a")).isTrue();
        assertThat(dispatcher.remove(1, "sip:a")).isFalse();
        assertThat(dispatcher.set(1).destinations()).extracting(d -> d.uri().host()).containsExactly("b");
        assertThatThrownBy(() -> dispatcher.add(DestinationListParser.parseLine("1 sip:b", 0)))
                .hasMessageContaining("appears twice in set 1");
    }

    @Test
    void latencyStatisticsFollowKamailiosDefinitions() {
        LatencyStats stats = new LatencyStats(0.9);
        for (int i = 0; i < 10; i++) {
            stats.record(10 + i % 2 * 10); // 10, 20, 10, 20 …
        }
        assertThat(stats.average()).isEqualTo(15.0);
        assertThat(stats.estimate()).isEqualTo(15.0); // follows the average for 10 samples
        assertThat(stats.standardDeviation()).isCloseTo(5.27, Offset.offset(0.01));
        stats.record(115);
        assertThat(stats.estimate()).isCloseTo(0.9 * 15 + 0.1 * 115, Offset.offset(1e-9));
        assertThat(stats.maximum()).isEqualTo(115);
        stats.recordTimeout();
        assertThat(stats.timeouts()).isEqualTo(1);
        assertThat(stats.samples()).isEqualTo(11);
    }

    @Test
    void aThrowingListenerIsSkippedAndCountedWhileTheOthersStillHear() throws Exception {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.load(DestinationListParser.parse("t.list", List.of("1 sip:a")));
        dispatcher.addListener((d, before, after) -> {
            throw new IllegalStateException("broken listener");
        });
        dispatcher.addListener((d, before, after) -> events.add(after.letters()));
        dispatcher.markFailure(dispatcher.set(1).get(0), FailureMark.INACTIVE);
        assertThat(events).containsExactly("IX");
        assertThat(dispatcher.listenerFailures()).isEqualTo(1);
    }

    @Test
    void dnsTargetsKeepTheirStateAcrossAnswersAndDecideUsability() throws Exception {
        Dispatcher dispatcher = dispatcher(new StateThresholds(1, 1), "1 sip:pbx.example.test 0 1");
        Destination pbx = only(dispatcher);
        InetSocketAddress one = new InetSocketAddress("127.0.0.1", 5071);
        InetSocketAddress two = new InetSocketAddress("127.0.0.1", 5072);
        dispatcher.expand("sip:pbx.example.test", List.of(new DestinationTarget("a.example.test", one, "udp", 10, 50),
                new DestinationTarget("b.example.test", two, "udp", 20, 0)));
        DestinationTarget first = pbx.targets().get(0);
        dispatcher.markFailure(pbx, first, FailureMark.INACTIVE);
        Assertions.assertThat(first.state().inactive()).isTrue();
        Assertions.assertThat(pbx.usable()).as("through its second target").isTrue();
        Assertions.assertThat(SrvOrder.of(pbx.targets())).extracting(DestinationTarget::name)
                .containsExactly("b.example.test");
        // the same address answered again keeps its state; a new address starts active
        InetSocketAddress three = new InetSocketAddress("127.0.0.1", 5073);
        dispatcher.expand("sip:pbx.example.test", List.of(new DestinationTarget("a.example.test", one, "udp", 10, 50),
                new DestinationTarget("c.example.test", three, "udp", 20, 0)));
        Assertions.assertThat(pbx.targets()).extracting(t -> t.state().inactive())
                .containsExactly(true, false);
        dispatcher.markFailure(pbx, pbx.targets().get(1), FailureMark.INACTIVE);
        Assertions.assertThat(pbx.usable()).as("no usable target left").isFalse();
        Assertions.assertThat(events).contains("pbx.example.test AX->IX");
        dispatcher.expand("sip:pbx.example.test", List.of());
        Assertions.assertThat(pbx.usable()).as("resolves to nothing").isFalse();
    }

    /**
     * A state another node decided: taken without thresholds; an operator's keeps the destination
     * out of a panicking set, a health verdict does not; listeners hear the crossing but are not
     * told an operator set it here (so a cluster does not publish it back).
     */
    @Test
    void adoptsAStateAnotherNodeDecided() {
        Dispatcher dispatcher = new Dispatcher(new StateThresholds(3, 3), 0.9);
        dispatcher.load(List.of(DestinationListParser.parseDefinition("1 sip:a")));
        Destination a = dispatcher.set(1).destinations().get(0);
        List<String> heard = new ArrayList<>();
        dispatcher.addListener(new DestinationListener() {
            @Override
            public void usabilityChanged(Destination d, DestinationState before, DestinationState after) {
                heard.add("crossed " + after.letters());
            }

            @Override
            public void stateSet(Destination d, DestinationState state) {
                heard.add("set " + state.letters());
            }
        });
        dispatcher.adopt(a, new DestinationState(DestinationState.INACTIVE | DestinationState.PROBING), false, true);
        assertThat(a.state().letters()).isEqualTo("IP"); // not three failures: the other node counted them
        assertThat(a.recheck()).as("checked again here at once").isTrue();
        assertThat(heard).containsExactly("crossed IP");
        dispatcher.adopt(a, DestinationState.ACTIVE, false, false);
        assertThat(a.state().usable()).isTrue();
        assertThat(a.recheck()).isFalse();
        dispatcher.adopt(a, new DestinationState(DestinationState.INACTIVE), true, false);
        assertThat(a.runtime().operatorHeld()).isTrue();
        dispatcher.adopt(a, new DestinationState(DestinationState.INACTIVE), false, false);
        assertThat(a.runtime().operatorHeld()).isFalse();
        dispatcher.setState(a, DestinationState.ACTIVE);
        assertThat(heard).endsWith("crossed AX", "set AX"); // an operator's change here: crossing, then the setting
    }
}
