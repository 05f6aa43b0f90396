package io.siplb.transport.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The demo's console, rendered as a terminal would show it: log lines whole, the progress line last. */
class ProgressLineTest {

    /** What a terminal shows for {@code written}: carriage return, erase-to-end-of-line, line feed. */
    private static List<String> screen(String written) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int column = 0;
        for (int i = 0; i < written.length(); i++) {
            char c = written.charAt(i);
            if (c == '\r') {
                column = 0;
            } else if (c == '\n') {
                lines.add(line.toString());
                line.setLength(0);
                column = 0;
            } else if (c == '\u001b' && written.startsWith("[K", i + 1)) {
                line.setLength(column);
                i += 2;
            } else {
                if (column < line.length()) {
                    line.setCharAt(column, c);
                } else {
                    line.append(c);
                }
                column++;
            }
        }
        lines.add(line.toString());
        return lines;
    }

    @Test
    void logLinesArePrintedWholeAboveAProgressLineThatIsRedrawnIntact() {
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(terminal, true, StandardCharsets.UTF_8);
        try (ProgressLine console = new ProgressLine(stream, stream)) {
            console.show("calls/s 20 | completed 100 | failed 0 | pbx1 AP  pbx2 AP  pbx3 IP");
            console.print(stream, "12:00:01.000 WARN  i.s.t.probe.Prober - sip:127.0.0.1:5062 (pbx2) is now inactive\n");
            console.show("calls/s 19 | completed 119 | failed 0 | pbx1 AP  pbx2 IP  pbx3 IP");
            console.print(stream, "12:00:03.000 INFO  i.s.t.probe.Prober - sip:127.0.0.1:5062 (pbx2) is active again");
        }
        assertThat(screen(terminal.toString(StandardCharsets.UTF_8))).containsExactly(
                "12:00:01.000 WARN  i.s.t.probe.Prober - sip:127.0.0.1:5062 (pbx2) is now inactive",
                "12:00:03.000 INFO  i.s.t.probe.Prober - sip:127.0.0.1:5062 (pbx2) is active again",
                "calls/s 19 | completed 119 | failed 0 | pbx1 AP  pbx2 IP  pbx3 IP",
                "");
    }

    @Test
    void whileInstalledTheLogGoesThroughItAndAfterwardsAsBefore() {
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(terminal, true, StandardCharsets.UTF_8);
        Logger log = LoggerFactory.getLogger("io.siplb.transport.demo.ProgressLineTest");
        try (ProgressLine console = new ProgressLine(stream, stream)) {
            console.install();
            console.show("calls/s 20 | completed 20");
            log.warn("pbx2 is now inactive");
            console.show("calls/s 20 | completed 40");
        }
        log.warn("after the demo"); // back on the original appender: not on this terminal
        List<String> shown = screen(terminal.toString(StandardCharsets.UTF_8));
        assertThat(shown).hasSize(3);
        assertThat(shown.get(0)).endsWith("WARN  i.s.t.d.ProgressLineTest - pbx2 is now inactive");
        assertThat(shown.get(1)).isEqualTo("calls/s 20 | completed 40");
        assertThat(shown.get(2)).isEmpty();
    }
}
