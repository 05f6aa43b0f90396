package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The panic threshold: when failures, not an operator, leave fewer than the threshold's share of a
 * set usable, the set is routed as if every destination not disabled (nor held down by an operator,
 * nor without an address) were usable; it leaves panic when enough are back.
 */
class PanicTest {
    private final List<String> episodes = new ArrayList<>();

    private Dispatcher dispatcher(int threshold, String... lines) throws Exception {
        Dispatcher dispatcher = new Dispatcher(StateThresholds.DEFAULT, 0.9, threshold);
        dispatcher.load(DestinationListParser.parse("panic.list", List.of(lines)));
        dispatcher.addListener(new DestinationListener() {
            @Override
            public void usabilityChanged(Destination destination, DestinationState before, DestinationState after) {
            }

            @Override
            public void panicChanged(DestinationSet set, SetHealth health, boolean entered) {
                episodes.add((entered ? "enter " : "leave ") + set.id() + " " + health.usable() + "/" + health.counted());
            }
        });
        return dispatcher;
    }

    private static List<String> plan(Dispatcher dispatcher) {
        return Sets.hosts(Sets.selector(Algorithm.ROUND_ROBIN).select(dispatcher.set(1), TestRequest.callId("x"), 0));
    }

    @Test
    void failuresBelowTheThresholdPutTheSetInPanicAndEveryDestinationNotDisabledIsUsed() throws Exception {
        Dispatcher dispatcher = dispatcher(50, "1 sip:10.0.0.1 0 4", "1 sip:10.0.0.2 0 3", "1 sip:10.0.0.3 0 2",
                "1 sip:10.0.0.4 0 1");
        DestinationSet set = dispatcher.set(1);
        dispatcher.markFailure(set.get(0), FailureMark.INACTIVE);
        dispatcher.markFailure(set.get(1), FailureMark.INACTIVE);
        assertThat(dispatcher.health(1).panic()).as("2 of 4 usable is not below 50%").isFalse();
        assertThat(plan(dispatcher)).hasSize(2);

        dispatcher.markFailure(set.get(2), FailureMark.INACTIVE);
        assertThat(dispatcher.health(1).panic()).isTrue();
        assertThat(episodes).containsExactly("enter 1 1/4");
        assertThat(plan(dispatcher)).as("all four, the failed ones included").hasSize(4);
        assertThat(set.get(0).usable()).isTrue();
        assertThat(set.get(0).healthy()).isFalse();
        assertThat(set.get(0).revivedByPanic()).isTrue();
        assertThat(set.get(0).state().letters()).as("its own state is unchanged").isEqualTo("IX");

        dispatcher.markFailure(set.get(3), FailureMark.INACTIVE); // deeper: still the one episode
        dispatcher.markFailure(set.get(0), FailureMark.INACTIVE);
        assertThat(episodes).hasSize(1);
        assertThat(dispatcher.panicEpisodes()).isEqualTo(1);

        dispatcher.probed(set.get(0), true, false);
        assertThat(dispatcher.health(1).panic()).as("1 of 4").isTrue();
        dispatcher.probed(set.get(1), true, false);
        assertThat(dispatcher.health(1).panic()).as("2 of 4 is back at the threshold").isFalse();
        assertThat(episodes).containsExactly("enter 1 1/4", "leave 1 2/4");
        assertThat(plan(dispatcher)).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");

        dispatcher.markFailure(set.get(0), FailureMark.INACTIVE);
        assertThat(dispatcher.panicEpisodes()).as("a new episode is counted again").isEqualTo(2);
    }

    @Test
    void whatAnOperatorTookDownIsNeitherCountedNorRevived() throws Exception {
        Dispatcher dispatcher = dispatcher(50, "1 sip:10.0.0.1 0 4", "1 sip:10.0.0.2 0 3", "1 sip:10.0.0.3 0 2",
                "1 sip:10.0.0.4 0 1");
        DestinationSet set = dispatcher.set(1);
        dispatcher.setState(set.get(0), DestinationState.parse("d"));
        dispatcher.setState(set.get(1), DestinationState.parse("ip"));
        assertThat(dispatcher.health(1).panic()).as("2 of the 2 that count are usable").isFalse();
        dispatcher.markFailure(set.get(2), FailureMark.INACTIVE);
        assertThat(dispatcher.health(1).panic()).as("1 of 2").isFalse();
        dispatcher.markFailure(set.get(3), FailureMark.INACTIVE);
        assertThat(dispatcher.health(1).panic()).as("0 of 2").isTrue();
        assertThat(plan(dispatcher)).containsExactlyInAnyOrder("10.0.0.3", "10.0.0.4");
        assertThat(set.get(0).usable()).isFalse();
        assertThat(set.get(1).usable()).isFalse();

        dispatcher.setState(set.get(0), DestinationState.parse("a")); // the operator brings one back
        assertThat(dispatcher.health(1).panic()).as("1 of 3 is below 50%").isTrue();
        assertThat(dispatcher.health(1).counted()).isEqualTo(3);
    }

    @Test
    void aNameWithoutAnAddressIsNotRevived() throws Exception {
        Dispatcher dispatcher = dispatcher(50, "1 sip:pbx.example.test 0 2", "1 sip:10.0.0.2 0 1");
        DestinationSet set = dispatcher.set(1);
        dispatcher.expand("sip:pbx.example.test", List.of()); // resolves to nothing
        dispatcher.markFailure(set.get(1), FailureMark.INACTIVE);
        assertThat(dispatcher.health(1).panic()).isTrue();
        assertThat(plan(dispatcher)).containsExactly("10.0.0.2");
    }

    @Test
    void zeroTurnsItOffAndASetAllDownHasNothingUsable() throws Exception {
        Dispatcher dispatcher = dispatcher(0, "1 sip:10.0.0.1 0 2", "1 sip:10.0.0.2 0 1");
        dispatcher.markFailure(dispatcher.set(1).get(0), FailureMark.INACTIVE);
        dispatcher.markFailure(dispatcher.set(1).get(1), FailureMark.INACTIVE);
        assertThat(dispatcher.health(1).panic()).isFalse();
        assertThat(plan(dispatcher)).isEmpty();
        assertThat(episodes).isEmpty();
    }

    @Test
    void aCallsFailureAsksForARecheckThatComingBackClears() throws Exception {
        Dispatcher dispatcher = dispatcher(0, "1 sip:10.0.0.1 0 2", "1 sip:10.0.0.2 0 1");
        Destination first = dispatcher.set(1).get(0);
        dispatcher.markFailure(first, FailureMark.INACTIVE);
        assertThat(first.recheck()).isTrue();
        dispatcher.probed(first, false, true);
        assertThat(first.recheck()).as("until it answers").isTrue();
        dispatcher.probed(first, true, true);
        assertThat(first.recheck()).isFalse();
        dispatcher.probed(dispatcher.set(1).get(1), false, true); // a probe's failure asks for none
        assertThat(dispatcher.set(1).get(1).recheck()).isFalse();
        Dispatcher patient = new Dispatcher(new StateThresholds(3, 1), 0.9, 0);
        patient.load(DestinationListParser.parse("panic.list", List.of("1 sip:10.0.0.1 0 1")));
        patient.markFailure(patient.set(1).get(0), FailureMark.TRYING); // still usable: nothing to recheck
        assertThat(patient.set(1).get(0).state().letters()).startsWith("T");
        assertThat(patient.set(1).get(0).recheck()).isFalse();
    }
}
