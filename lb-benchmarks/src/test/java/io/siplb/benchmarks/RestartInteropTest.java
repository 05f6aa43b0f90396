package io.siplb.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A restart under 300 calls/s with two real siplb processes ({@code sipp/restart.py}): SIGTERM to
 * the first and the successor started at once with the same settings, SIPp calling throughout.
 * The draining process leaves new requests unanswered, the callers' retransmissions reach the
 * successor, and no call fails. Before ({@code refuse}, then the only behaviour) the draining
 * process answered new INVITEs 503: 9 and 25 of 9 000 failed.
 */
@Tag("interop")
class RestartInteropTest {
    private static final Pattern RUN = Pattern.compile("run 1: (\\d+) calls, failed (-?\\d+); .*? ([0-9.]+) s without a listener");

    @Test
    void aRestartUnderTrafficLosesNoCall() throws Exception {
        ScriptRun.need("python3", "python3");
        ScriptRun.need("sipp", "sip-tester");
        String printed = ScriptRun.run("restart.py", 240, "--rate", "300", "--seconds", "30", "--restart-at", "10");
        Matcher run = RUN.matcher(printed);
        assertThat(run.find()).as(printed).isTrue();
        assertThat(Integer.parseInt(run.group(1))).isEqualTo(9_000);
        assertThat(Integer.parseInt(run.group(2))).as(printed).isZero();
    }
}
