package io.siplb.benchmarks;

import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipParser;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One INVITE through the proxy core, in-JVM, with the destinations simulated by the benchmark:
 * <ul>
 *   <li>{@code answeredFirstTime}: the first destination answers 200 (the baseline).</li>
 *   <li>{@code failoverOn503}: the first answers 503 (the proxy ACKs it), the second 200.</li>
 *   <li>{@code failoverOnSilence}: the first never answers; virtual time is advanced past
 *       {@code fr_timer}; the second answers 200.</li>
 * </ul>
 * Each operation includes the simulated peers' work (parsing what the proxy sent, building and
 * parsing their responses), so compare the three rather than read one alone: the difference is
 * what a failover costs.
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar FailoverBenchmark -prof gc}
 *
 * <p>Last measured 2026-12-01, this 2-core shared machine, JDK 17.0.15, 1 fork, 12×1 s warm-up
 * (the proxy path needs it), 5×1 s measurement:
 * <pre>
 * answeredFirstTime   22.6 ± 1.8 µs   17.6 KB
 * failoverOn503       49.3 ± 7.1 µs   32.4 KB
 * failoverOnSilence   26.7 ± 2.8 µs   28.9 KB   (virtual time)
 * </pre>
 * (2026-11-27, before the second wave: 19.6, 35.1 and 31.0 KB; the timers moved into
 * {@code Branch} first added about 1 KB, the 100 Trying written from the INVITE's bytes, keys from
 * parsed fields, the give-up through the transaction and onErrorResume instead of retryWhen then
 * took more than that away.)
 * The first two schedule their timers on a Netty event loop from the benchmark thread, which
 * costs a wake-up per timer that production (timers scheduled on the loop itself) does not pay;
 * the virtual-time case shows the CPU cost better. Allocation is the real finding: the
 * per-request Reactor pipeline and the copies around it, for the performance issue to cut.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 12, time = 1) // fewer left the proxy path half-compiled
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
public class FailoverBenchmark {
    private ProxyBench bench;
    private ProxyBench virtual;
    private long calls;

    @Setup(Level.Trial)
    public void setUp() throws DestinationListException {
        bench = new ProxyBench("priority");
        virtual = new ProxyBench("priority", true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.drain();
        virtual.drain();
    }

    @Benchmark
    public int answeredFirstTime() {
        return call(bench, false, false);
    }

    @Benchmark
    public int failoverOn503() {
        return call(bench, true, false);
    }

    @Benchmark
    public int failoverOnSilence() {
        return call(virtual, false, true);
    }

    private int call(ProxyBench bench, boolean refuse, boolean silent) {
        byte[] invite = ProxyBench.invite(++calls);
        bench.proxy.transactions().receive(SipParser.DEFAULT.parse(invite, invite.length), ProxyBench.UAC);
        int finalStatus = 0;
        while (finalStatus == 0) {
            ProxyBench.Sent sent = bench.sent.poll();
            if (sent == null) {
                if (!silent) {
                    throw new IllegalStateException("the proxy stopped before a final response");
                }
                bench.clock.advanceTimeBy(Duration.ofSeconds(2)); // fr_timer: the flow moves on
                continue;
            }
            SipMessage message;
            try {
                message = ((ParseResult.Parsed) SipParser.DEFAULT.frame(sent.bytes())).message();
            } finally {
                sent.bytes().release();
            }
            InetSocketAddress to = sent.to();
            if (to.equals(ProxyBench.UAC)) {
                if (message.statusCode() >= 200) {
                    finalStatus = message.statusCode();
                }
            } else if (message.isRequest() && message.method() == SipMethod.INVITE) {
                boolean first = to.equals(ProxyBench.D1);
                if (first && silent) {
                    continue;
                }
                int status = first && refuse ? 503 : 200;
                SipMessage response = MessageFactory.response(message, status, status == 200 ? "OK" : "Busy", "uas");
                byte[] bytes = response.toByteArray();
                bench.proxy.transactions().receive(SipParser.DEFAULT.parse(bytes, bytes.length), to);
            }
        }
        return finalStatus;
    }
}
