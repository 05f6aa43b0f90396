package io.siplb.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.Via;
import io.siplb.testing.Fixtures;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-packet cost of the codec on the ~500-octet INVITE that SIPp's {@code uac} scenario
 * sends, read from a pooled direct buffer as the epoll transport delivers it.
 *
 * <ul>
 *   <li>{@code frameAndReadRoutingFields}: frame the datagram, read top Via branch, Call-ID,
 *       CSeq, Max-Forwards and Route.</li>
 *   <li>{@code parseAndValidate}: frame plus every check a proxy runs before routing
 *       ({@link SipMessage#validate()}: Request-URI, Via, Call-ID, CSeq, From, To, Max-Forwards,
 *       Route, Contact), then read the routing fields.</li>
 *   <li>{@code forwardingEdit}: on a parsed INVITE, build our Via with a fresh branch, push it,
 *       set {@code received}, decrement Max-Forwards, add Record-Route, serialise into a pooled
 *       direct buffer.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar SipParserBenchmark -prof gc}
 *
 * <p>Last measured 2026-11-27 on the project's 2-core shared machine, JDK 17.0.15, 1 fork,
 * 3×1 s warm-up, 5×1 s measurement (aim: under 1 µs and 1 KB a message):
 * <pre>
 * Benchmark                   ns/op        B/op (gc.alloc.rate.norm)
 * frameAndReadRoutingFields   667 ± 31     944   (520 of it the heap copy of the datagram)
 * parseAndValidate           1403 ± 81    2616
 * forwardingEdit              295 ± 21     432   (the Via string built per request included)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dio.netty.leakDetection.level=disabled"})
public class SipParserBenchmark {

    private static final String VIA_PREFIX = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK0a";
    private static final String RECORD_ROUTE = "<sip:127.0.0.1:5060;lr>";

    private final SipParser parser = SipParser.DEFAULT;
    private ByteBuf datagram;
    private SipMessage invite;
    private long branchCounter;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = Fixtures.sippInvite();
        datagram = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length);
        datagram.writeBytes(bytes);
        invite = ((ParseResult.Parsed) parser.parse(bytes.clone(), bytes.length)).message();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        datagram.release();
    }

    @Benchmark
    public void frameAndReadRoutingFields(Blackhole bh) {
        ParseResult result = parser.frame(datagram);
        SipMessage message = ((ParseResult.Parsed) result).message();
        readRoutingFields(message, bh);
    }

    @Benchmark
    public void parseAndValidate(Blackhole bh) {
        ParseResult result = parser.parse(datagram);
        SipMessage message = ((ParseResult.Parsed) result).message();
        readRoutingFields(message, bh);
    }

    private static void readRoutingFields(SipMessage message, Blackhole bh) {
        Via via = message.topVia();
        bh.consume(via.branch());
        bh.consume(message.callId());
        bh.consume(message.cseq());
        bh.consume(message.maxForwards());
        bh.consume(message.routes());
    }

    @Benchmark
    public void forwardingEdit(Blackhole bh) {
        ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(1024);
        try {
            invite.edit()
                    .pushVia(VIA_PREFIX + Long.toHexString(++branchCounter))
                    .viaReceived("127.0.0.2")
                    .maxForwards(invite.maxForwards() - 1)
                    .prependRecordRoute(RECORD_ROUTE)
                    .writeTo(out);
            bh.consume(out.readableBytes());
        } finally {
            out.release();
        }
    }
}
