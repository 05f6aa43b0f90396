package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.siplb.core.dispatch.Destination;
import io.siplb.core.dispatch.Drain;
import io.siplb.transport.cli.Ctl;
import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Maintenance by draining: a PBX taken out with {@code siplb ctl drain} gets no new call while
 * the BYE of its live call still reaches it, {@code siplb ctl list} shows its dialogs falling to
 * 0, and {@code state a} puts it back.
 */
class DestinationDrainTest {
    @RegisterExtension
    final Opened opened = new Opened();

    @Test
    void aDrainedDestinationTakesNoNewCallWhileItsLiveCallEnds() throws Exception {
        Backend pbx1 = opened.backend("pbx1", Backend.Behaviour.HEALTHY);
        Backend pbx2 = opened.backend("pbx2", Backend.Behaviour.HEALTHY);
        LoopbackBalancer lb = opened.add(LoopbackBalancer.of(List.of(pbx1, pbx2), "siplb.dispatch.algorithm=priority",
                "siplb.admin.listen=127.0.0.1:0", "siplb.probe.interval=0"));
        String admin = "127.0.0.1:" + lb.balancer.adminPort();
        String uri = "sip:127.0.0.1:" + pbx1.address().getPort();
        CallGenerator caller = opened.add(new CallGenerator(lb.address, false));

        String live = caller.call(Duration.ofMillis(1500)); // priority: pbx1 takes it
        await().atMost(Duration.ofSeconds(5)).until(() -> pbx1.answered() == 1);
        assertThat(ctl(admin, "drain", "1", uri)).contains("\"drain\":\"operator\"");
        Destination drained = lb.balancer.dispatcher().find(1, uri).orElseThrow();
        assertThat(drained.drain()).isEqualTo(Drain.OPERATOR);
        assertThat(row(ctl(admin, "list"), uri)).contains(" operator ").containsPattern("operator\\s+1\\s");

        for (int i = 0; i < 5; i++) {
            caller.call(Duration.ZERO);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> pbx2.answered() == 5);
        assertThat(pbx1.invites()).as("no new INVITE while draining").isEqualTo(1);

        await().atMost(Duration.ofSeconds(5)).until(() -> pbx1.byes() == 1); // the live call's BYE reached it
        await().atMost(Duration.ofSeconds(5)).until(() -> caller.outcome(live) == CallGenerator.Outcome.COMPLETED);
        await().atMost(Duration.ofSeconds(5)).until(() -> row(ctl(admin, "list"), uri).matches(".*operator\\s+0\\s.*"));

        ctl(admin, "state", "a", "1", uri);
        assertThat(drained.drain()).isEqualTo(Drain.NONE);
        caller.call(Duration.ZERO);
        await().atMost(Duration.ofSeconds(5)).until(() -> pbx1.answered() == 2);
        assertThat(row(ctl(admin, "list"), uri)).contains(" - ");
    }

    private static String ctl(String admin, String... command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("--admin", admin));
        args.addAll(List.of(command));
        int code = Ctl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(code).as(String.join(" ", command)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The line of {@code uri} in {@code siplb ctl list}. */
    private static String row(String table, String uri) {
        return table.lines().filter(line -> line.contains(" " + uri + " ")).findFirst().orElseThrow();
    }
}
