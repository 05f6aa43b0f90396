package io.siplb.benchmarks;

import io.siplb.core.dispatch.Algorithm;
import io.siplb.core.dispatch.CallLoad;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.DestinationSet;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.FailoverPlan;
import io.siplb.core.dispatch.HashMode;
import io.siplb.core.dispatch.RoutingRequest;
import io.siplb.core.dispatch.Selector;
import io.siplb.core.dispatch.SelectorOptions;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.Uri;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the one thing the event loops share on the call path: a set's selection state.
 * Round-robin moves one cursor per set with a compare-and-set ({@code DestinationSet}); every loop
 * that dispatches into the set touches that cache line. Here two threads (as two event loops)
 * select from the same set of 10 at once ({@code @Group}), against one thread alone
 * ({@code alone}), for round-robin and for a hash that shares nothing (hash-callid).
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar SharedSetBenchmark}. On this
 * 2-core machine two threads are all it can run at once; the figures say what one more loop
 * costs each selection, not what 32 cores would see. See docs/performance.md, "Scaling with cores".
 *
 * <p>Measured 2026-12-02, this 2-core shared machine, JDK 17.0.15, 1 fork, 3×1 s warm-up, 5×1 s,
 * ns per selection and plan:
 * <pre>
 *                       alone        two threads, one set
 * one shared cursor     40.2 ± 3.4   315.3 ± 149.2   (CAS retries and the line moving between cores)
 * a cursor per thread   42.4 ± 2.6    41.3 ± 1.6
 * hash-callid           61–63        67 (shares nothing)
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class SharedSetBenchmark {

    /** The set and selector every thread of the group shares. */
    @State(Scope.Group)
    public static class Shared {
        @Param({"ROUND_ROBIN", "HASH_CALL_ID"})
        public Algorithm algorithm;

        Selector selector;
        DestinationSet set;

        @Setup(Level.Trial)
        public void setUp() throws DestinationListException {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                lines.add("1 sip:10.0.0." + (i + 1) + ":5060 0 0 duid=d" + i);
            }
            Dispatcher dispatcher = new Dispatcher();
            dispatcher.load(DestinationListParser.parse("bench.list", lines));
            set = dispatcher.set(1);
            selector = algorithm.newSelector(new SelectorOptions(HashMode.KAMAILIO, "X-Tenant", new CallLoad()));
        }
    }

    /** Each thread's own requests (distinct Call-IDs), as each loop parses its own. */
    @State(Scope.Thread)
    public static class Requests {
        final RoutingRequest[] requests = new RoutingRequest[1024];
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            long thread = Thread.currentThread().getId();
            for (int i = 0; i < requests.length; i++) {
                requests[i] = new Fixed("call-" + thread + "-" + i + "@192.0.2.1");
            }
        }

        RoutingRequest next() {
            return requests[next++ & (requests.length - 1)];
        }
    }

    @Benchmark
    @Group("alone")
    @GroupThreads(1)
    public FailoverPlan alone(Shared shared, Requests requests) {
        return shared.selector.select(shared.set, requests.next(), 0);
    }

    @Benchmark
    @Group("twoLoops")
    @GroupThreads(2)
    public FailoverPlan twoLoops(Shared shared, Requests requests) {
        return shared.selector.select(shared.set, requests.next(), 0);
    }

    private record Fixed(String callId) implements RoutingRequest {
        private static final Uri FROM = Uri.parse("sip:caller@atlanta.com");
        private static final Uri TO = Uri.parse("sip:callee@biloxi.com");

        @Override
        public SipMethod method() {
            return SipMethod.INVITE;
        }

        @Override
        public Uri fromUri() {
            return FROM;
        }

        @Override
        public Uri toUri() {
            return TO;
        }

        @Override
        public Uri requestUri() {
            return TO;
        }

        @Override
        public String authUsername() {
            return null;
        }

        @Override
        public CharSequence header(String name) {
            return null;
        }
    }
}
