package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two PBXs that report their calls and capacity in OPTIONS replies, as FreeSWITCH does with
 * {@code X-FS-Calls}: with {@code free-capacity} the one with more room gets more of the calls, and
 * when its reported calls rise it gets fewer. The calls in flight count on top of the reports (so
 * the weights move during a burst): the shares of 40 calls are checked within a band around 3:1 and 1:3 (a burst stays within both
 * capacities, or the full one would refuse); the
 * exact shares for fixed figures are {@code SelectorTest}'s.
 */
class ReportedLoadTest {
    @RegisterExtension
    final Opened opened = new Opened();

    @Test
    void aDestinationWhoseReportedCallsRiseGetsFewerCalls() throws Exception {
        Backend fs1 = opened.backend("fs1", Backend.Behaviour.HEALTHY);
        Backend fs2 = opened.backend("fs2", Backend.Behaviour.HEALTHY);
        fs1.answerOptionsWith("X-FS-Calls: 10", "X-FS-Max-Calls: 100"); // 90 free
        fs2.answerOptionsWith("X-FS-Calls: 70", "X-FS-Max-Calls: 100"); // 30 free
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(fs1, fs2), "siplb.dispatch.algorithm=free-capacity",
                "siplb.probe.interval=200ms", "siplb.probe.load-header=X-FS-Calls",
                "siplb.probe.capacity-header=X-FS-Max-Calls", "siplb.probe.load-ttl=10s"));
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.dispatcher().sets().get(0).destinations().stream()
                .allMatch(d -> d.reportedLoad() != null));
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));
        for (int i = 0; i < 40; i++) {
            caller.call(Duration.ZERO);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> fs1.answered() + fs2.answered() == 40);
        assertThat(fs1.answered()).as("90 free against 30: about three calls in four").isBetween(24L, 36L);

        fs1.answerOptionsWith("X-FS-Calls: 90", "X-FS-Max-Calls: 100"); // its calls rise: 10 free
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.balancer.dispatcher().sets().get(0).destinations().stream()
                .anyMatch(d -> d.reportedLoad() != null && d.reportedLoad().calls() == 90));
        long before1 = fs1.answered();
        long before2 = fs2.answered();
        for (int i = 0; i < 40; i++) {
            caller.call(Duration.ZERO);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> fs1.answered() + fs2.answered() == 80);
        assertThat(fs1.answered() - before1).as("10 free against 30: about one call in four").isBetween(4L, 16L);
        assertThat(fs2.answered() - before2).isBetween(24L, 36L);
    }
}
