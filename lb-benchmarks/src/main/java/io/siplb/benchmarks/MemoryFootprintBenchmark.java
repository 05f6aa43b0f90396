package io.siplb.benchmarks;

import io.netty.buffer.ByteBuf;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;

/**
 * Heap held by the proxy's state: 100 000 answered calls (dialog affinity entries, their server
 * transactions lingering) plus 10 000 calls still waiting for an answer (live transactions with
 * their forwarded INVITE and timers). Run it in the heap the performance issue allows:
 *
 * <pre>
 * java -Xmx256m -cp lb-benchmarks/target/benchmarks.jar io.siplb.benchmarks.MemoryFootprintBenchmark
 * </pre>
 *
 * It fails (OutOfMemoryError) if the state does not fit, and prints the heap used after a full
 * GC with and without it. Last run (2026-11-27, JDK 17, -Xmx256m): 100 000 dialogs and 10 000 live
 * transactions in 95.3 MB of heap (3.9 MB without them), 832 B per call on average. Before
 * lingering transactions dropped their request and flow, the same run ran out of memory.
 */
public final class MemoryFootprintBenchmark {
    private MemoryFootprintBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int dialogs = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int live = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ProxyBench bench = new ProxyBench("round-robin", true, dialogs + live, 0);
        long baseline = usedAfterGc(memory);
        long n = 0;
        for (int i = 0; i < dialogs; i++) {
            offer(bench, ++n);
            SipMessage forwarded = forwardedInvite(bench);
            SipMessage ok = MessageFactory.response(forwarded, 200, "OK", "uas" + n);
            byte[] bytes = ok.toByteArray();
            bench.proxy.transactions().receive(SipParser.DEFAULT.parse(bytes, bytes.length), ProxyBench.D1);
            bench.drain(); // the 200 relayed upstream
        }
        // finished transactions linger 32 s for retransmissions, then only the dialogs remain
        bench.clock.advanceTimeBy(Duration.ofSeconds(40));
        bench.tables.cleanUp();
        for (int i = 0; i < live; i++) {
            offer(bench, ++n);
            forwardedInvite(bench); // never answered: the transaction stays live
        }
        long used = usedAfterGc(memory);
        System.out.printf("dialogs %d (affinity entries %d), live transactions %d, lingering transactions %d%n",
                dialogs, bench.tables.dialogCount(), bench.tables.liveServerTransactions(),
                bench.tables.serverTransactionCount() - bench.tables.liveServerTransactions());
        System.out.printf("heap used after GC: %.1f MB with the state, %.1f MB without (max %.0f MB)%n",
                used / 1e6, baseline / 1e6, memory.getHeapMemoryUsage().getMax() / 1e6);
        System.out.printf("state: %.0f B per call on average%n", (used - baseline) / (double) (dialogs + live));
        bench.drain();
    }

    private static void offer(ProxyBench bench, long n) {
        byte[] invite = ProxyBench.invite(n);
        bench.proxy.transactions().receive(SipParser.DEFAULT.parse(invite, invite.length), ProxyBench.UAC);
    }

    /** Releases the 100 Trying and returns the INVITE the proxy forwarded. */
    private static SipMessage forwardedInvite(ProxyBench bench) {
        SipMessage forwarded = null;
        for (ProxyBench.Sent sent; (sent = bench.sent.poll()) != null; ) {
            ByteBuf bytes = sent.bytes();
            try {
                if (!sent.to().equals(ProxyBench.UAC)) {
                    forwarded = ((ParseResult.Parsed) SipParser.DEFAULT.frame(bytes)).message();
                }
            } finally {
                bytes.release();
            }
        }
        return forwarded;
    }

    private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
