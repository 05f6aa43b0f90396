package io.siplb.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.sip.SipParser;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The balancer's per-transaction work without sockets: an INVITE datagram in (a pooled direct
 * buffer, as epoll delivers it) is parsed, validated, routed and written out twice (100 Trying
 * upstream, the forwarded INVITE); then the destination's 200 comes in and is relayed upstream.
 * The INVITE and the 200 are written into pooled buffers from byte templates (the call number in
 * decimal, the forwarded INVITE's branch copied across), so the benchmark's own heap allocation
 * per call is only the record it queues for each datagram the proxy sends.
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar PipelineBenchmark -prof gc}
 *
 * <p>Last measured 2026-12-01, this 2-core shared machine, JDK 17.0.15, 1 fork, 12×1 s warm-up,
 * 5×1 s measurement, per INVITE-and-200 transaction (timers on a Netty event loop scheduled from
 * the benchmark thread: see {@link FailoverBenchmark} on what that adds):
 * <pre>
 * receive buffer    round-robin               hash-callid
 * 2048              19.9 ± 3.6 µs  18 160 B   21.3 ± 0.8 µs  18 301 B
 * 65536             21.0 ± 2.9 µs  18 184 B   20.8 ± 4.7 µs  18 239 B
 * </pre>
 * The receive buffer is pooled direct memory: its size does not change the heap allocation.
 * Then the 100 Trying was written straight from the INVITE's bytes into the send buffer instead
 * of built as text and re-framed: round-robin, 2048: 18 262 → 17 303 B (21.9 ± 2.9 → 21.9 ± 1.8 µs);
 * then transaction keys became records of the fields the parser holds instead of built strings:
 * 17 303 → 16 790 B (23.2 ± 8.5 µs, within the noise); then a CANCELled branch's give-up came
 * through its transaction instead of a sink and a firstWithSignal per attempt: 16 790 → 16 446 B;
 * then the next attempt came from onErrorResume instead of retryWhen (no processor per request):
 * 16 446 → 15 776 B (20.4 ± 6.7 µs).
 *
 * <p>2026-12-02 (round-robin, 2048): 16 294 B at the start of the performance work; 13 843 B once
 * this benchmark wrote its INVITE and 200 from byte templates instead of building Strings per call
 * (its own garbage had been counted); 11 011 B once an attempt waited through one Mono.create and
 * one timer; 10 641 B once the destination's Record-Route entry was built once. The final code:
 * <pre>
 * receive buffer    round-robin               hash-callid
 * 2048              14.4 ± 1.1 µs  10 489 B   14.4 ± 0.9 µs  10 690 B
 * 65536             14.9 ± 0.9 µs  10 794 B   14.8 ± 2.5 µs  10 676 B
 * </pre>
 *
 * <p>2026-12-07, round-robin, 2048, the layout before and after the message path became one way
 * (transaction layer, decision, flow), alternated in one session: before 14.9 ± 2.1, 15.2 ± 1.2,
 * 15.3 ± 0.8 µs and 10 632 / 10 738 / 10 890 B; after 14.7 ± 0.9, 14.5 ± 0.7 µs and 10 553 B
 * both times.
 *
 * <p>2026-12-07, round-robin, 2048, performance round three: 11 008 B with the wave's features in;
 * 9 836 and 9 945 B (two runs) once a message with a body was built once, a URI or name-addr
 * without parameters shared {@code List.of()}, and a one-token display name was one String.
 * Where the rest goes: docs/performance.md, Microbenchmarks.
 *
 * <p>2026-12-08, a set of 1 000 against 2 once selections read a set's view of its usable
 * destinations: {@code -p algorithm=round-robin,hash-callid -p destinations=2,1000 -p
 * hashMode=rendezvous -p receiveBuffer=2048 -i 10 -f 2 -prof gc} (a busier machine than the runs
 * above): round-robin 23.5 ± 4.8 µs at 2, 19.3 ± 5.0 µs at 1 000; rendezvous 21.6 ± 4.1 and
 * 23.2 ± 4.9 µs; 9 880–9 900 B at either size. The set's size is lost in the noise here; the
 * selection alone is in {@link SelectorBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 12, time = 1) // fewer left the proxy path half-compiled
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dio.netty.leakDetection.level=disabled"})
public class PipelineBenchmark {
    @Param({"round-robin", "hash-callid"})
    public String algorithm;

    /**
     * The receive buffer each datagram is read into, from the allocator the UDP channels use:
     * 2048 is Netty's default (which cut every larger datagram short), 65536 what
     * {@code DatagramReceiveAllocator} allocates for the default {@code siplb.parser.max-message-bytes}.
     */
    @Param({"2048", "65536"})
    public int receiveBuffer;

    /** Destinations in the set (2, or addresses across 127.1.0.0/16): what a large set adds to a call. */
    @Param({"2"})
    public int destinations;

    /** {@code siplb.dispatch.hash-mode} for hash-callid: {@code kamailio} or {@code rendezvous}. */
    @Param({"kamailio"})
    public String hashMode;

    private ProxyBench bench;
    private SipParser parser;
    private long calls;

    @Setup(Level.Trial)
    public void setUp() throws DestinationListException {
        bench = new ProxyBench(algorithm, destinations, hashMode);
        parser = SipParser.DEFAULT;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.drain();
    }

    @Benchmark
    public int inviteAnd200() {
        long n = ++calls;
        ByteBuf datagram = ByteBufAllocator.DEFAULT.ioBuffer(receiveBuffer);
        try {
            ProxyBench.writeInvite(datagram, n);
            bench.proxy.transactions().receive(parser.parse(datagram), ProxyBench.UAC);
        } finally {
            datagram.release();
        }
        // 100 Trying to the caller, then the INVITE to a destination
        ProxyBench.Sent trying = bench.sent.poll();
        ProxyBench.Sent forwarded = bench.sent.poll();
        trying.bytes().release();
        ByteBuf ok = ByteBufAllocator.DEFAULT.ioBuffer(receiveBuffer);
        try {
            writeOk(ok, n, forwarded.bytes());
            forwarded.bytes().release();
            bench.proxy.transactions().receive(parser.parse(ok), forwarded.to());
        } finally {
            ok.release();
        }
        ProxyBench.Sent relayed = bench.sent.poll();
        int size = relayed.bytes().readableBytes();
        relayed.bytes().release();
        return size;
    }

    private static final byte[] BRANCH = "branch=".getBytes(StandardCharsets.US_ASCII);
    /** The 200 to call n, cut where the forwarded INVITE's branch and the call number go. */
    private static final byte[][] OK_PARTS = ProxyBench.parts("SIP/2.0 200 OK\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=#\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-bench-#;received=127.0.0.1\r\n"
            + "Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
            + "From: sipp <sip:sipp@127.0.0.1:5061>;tag=4242SIPpTag00#\r\n"
            + "To: service <sip:service@127.0.0.1:5060>;tag=uas#\r\n"
            + "Call-ID: #-4242@127.0.0.1\r\n"
            + "CSeq: 1 INVITE\r\n"
            + "Contact: <sip:service@127.0.0.1:6001>\r\n"
            + "Content-Length: 0\r\n\r\n");

    /**
     * The destination's 200, written into {@code out} allocating nothing: the branch of the
     * forwarded INVITE's top Via (from "branch=" up to ';' or CR) copied across.
     */
    private static void writeOk(ByteBuf out, long n, ByteBuf forwarded) {
        int from = indexOf(forwarded, BRANCH) + BRANCH.length;
        int to = from;
        while (forwarded.getByte(to) != ';' && forwarded.getByte(to) != '\r') {
            to++;
        }
        out.writeBytes(OK_PARTS[0]);
        out.writeBytes(forwarded, from, to - from);
        for (int i = 1; i < OK_PARTS.length; i++) {
            out.writeBytes(OK_PARTS[i]);
            if (i < OK_PARTS.length - 1) {
                ProxyBench.writeDecimal(out, n);
            }
        }
    }

    private static int indexOf(ByteBuf in, byte[] needle) {
        outer:
        for (int i = in.readerIndex(); i <= in.writerIndex() - needle.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (in.getByte(i + k) != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("no branch in the forwarded INVITE");
    }
}
