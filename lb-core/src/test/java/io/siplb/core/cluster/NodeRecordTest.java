package io.siplb.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.dispatch.Drain;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeRecordTest {
    @Test
    void aRecordReadsBackAsWritten() {
        NodeRecord record = new NodeRecord(1_796_630_400_000L, "10.0.0.5:5060", "10.0.0.5:8080", 42,
                Map.of("1 duid pbx1", 30, "2 sip:10.0.0.12:5060;transport=tcp", 12),
                Map.of("1 sip:10.0.0.11:5060", new DestinationState(DestinationState.INACTIVE | DestinationState.PROBING)));
        String text = record.encode();
        assertThat(text).startsWith("siplb-node 1\nsent 1796630400000\nsip 10.0.0.5:5060\n")
                .contains("load 30 1 duid pbx1\n", "state 9 1 sip:10.0.0.11:5060\n");
        assertThat(NodeRecord.decode(text)).isEqualTo(record);
        NodeRecord empty = new NodeRecord(1, "h:5060", "", 0, Map.of(), Map.of());
        assertThat(NodeRecord.decode(empty.encode())).isEqualTo(empty);
    }

    /** Anything else found under the prefix is refused, never read as a count. */
    @ParameterizedTest
    @ValueSource(strings = {"", "42", "siplb-node 2\nsent 1\nsip a\nadmin \ncalls 0\n",
        "siplb-node 1\nsent 1\nsip a\n", "siplb-node 1\nsent -1\nsip a\nadmin \ncalls 0\n",
        "siplb-node 1\nsent 1\nsip a\nadmin \ncalls 0\nload -3 1 duid a\n",
        "siplb-node 1\nsent 1\nsip a\nadmin \ncalls 0\nload 99999999999 1 duid a\n",
        "siplb-node 1\nsent 1\nsip a\nadmin \ncalls 0\nload 3\n",
        "siplb-node 1\nsent 1\nsip a\nadmin \ncalls 0\nstate 64 1 sip:a\n",
        "siplb-node 1\nsent 1\nsip a\nadmin \ncalls 0\nbogus 1 x\n",
        "siplb-node 1\ncalls 1\nsip a\nadmin \nsent 0\n"})
    void garbledRecordsAreRefused(String text) {
        assertThatThrownBy(() -> NodeRecord.decode(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eventsReadBackAsSent() throws Exception {
        InetAddress v6 = InetAddress.getByName("2001:db8::7");
        for (ClusterEvent event : new ClusterEvent[] {
            new ClusterEvent.Ban("lb1:5060", InetAddress.getByName("192.0.2.7"), "scanner", 1_796_630_400_000L),
            new ClusterEvent.Ban("lb1:5060", v6, "auth-failures", 5),
            new ClusterEvent.Unban("lb2", v6),
            new ClusterEvent.State("lb2", 3, "sip:pbx.example.com;transport=tcp",
                    new DestinationState(DestinationState.DISABLED), true),
            new ClusterEvent.State("lb2", 1, "sip:10.0.0.1", new DestinationState(DestinationState.TRYING), false),
            new ClusterEvent.Drained("lb2", 1, "sip:10.0.0.1", Drain.OPERATOR),
            new ClusterEvent.Reported("lb2", 1, "sip:10.0.0.1:5060", 12, -1, 30_000),
            new ClusterEvent.Reported("lb2", 2, "sip:10.0.0.2", 0, 400, 1),
            new ClusterEvent.Reload("lb3", Cluster.Reload.ROUTES)}) {
            assertThat(ClusterEvent.decode(event.encode())).isEqualTo(event);
        }
    }

    /** A published line that is not siplb's: refused (counted by the caller), never applied. */
    @ParameterizedTest
    @ValueSource(strings = {"", "hello", "ban lb1 example.com scanner 5", "ban lb1 10.0.0.1 SCANNER 5",
        "ban lb1 10.0.0.1 scanner soon", "ban lb1 10.0.0.1 scanner", "unban lb1", "state lb1 health 99 1 sip:a",
        "state lb1 maybe 1 1 sip:a", "state lb1 health 1 x sip:a", "reload lb1 everything", "reboot lb1 now",
        "report lb1 -3 -1 1000 1 sip:a", "report lb1 3 -2 1000 1 sip:a", "report lb1 3 -1 0 1 sip:a",
        "report lb1 3 -1 1000 1", "report lb1 99999999999 -1 1000 1 sip:a"})
    void garbledEventsAreRefused(String line) {
        assertThatThrownBy(() -> ClusterEvent.decode(line)).isInstanceOf(IllegalArgumentException.class);
    }
}
