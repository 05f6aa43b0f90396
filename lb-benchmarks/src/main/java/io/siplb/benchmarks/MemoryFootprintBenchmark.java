package io.siplb.benchmarks;

import io.netty.buffer.ByteBuf;
import io.siplb.core.dispatch.HashMode;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;

/**
 * Heap held by the proxy's state: answered calls (dialog affinity entries; their server
 * transactions linger 32 s, and the calls come at 1500 a second on a virtual clock, so about
 * 48 000 linger at once, as in service) plus calls still waiting for an answer (live transactions
 * with their forwarded INVITE and timers) — by default 100 000 and 10 000, or the two arguments.
 * Run it in the heap {@code bin/siplb} gives:
 *
 * <pre>
 * java -Xms512m -Xmx512m -cp lb-benchmarks/target/benchmarks.jar io.siplb.benchmarks.MemoryFootprintBenchmark 1000000 10000
 * </pre>
 *
 * It fails (OutOfMemoryError) if the state does not fit, and prints the heap used after a full
 * GC with and without it. Last run (2026-12-07, JDK 17.0.15, -Xms512m -Xmx512m, two runs alike):
 * 1 000 000 dialogs and 10 000 live transactions in 203.9 MB (5.8 MB without them), 196 B per
 * call; 217.9 MB with the dialogs and the last 32 s of finished transactions (49 000) lingering.
 * Before the calls were spread over the virtual clock, every finished transaction lingered at once
 * (a million, which no rate produces) and the run ran out of memory at 512 MB.
 */
public final class MemoryFootprintBenchmark {
    /** Calls per second the dialogs are made at, on the virtual clock: it decides how many transactions linger at once. */
    private static final long RATE = 1500;

    private MemoryFootprintBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int dialogs = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int live = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ProxyBench bench = new ProxyBench("round-robin", true, dialogs + live, 2, HashMode.KAMAILIO);
        long baseline = usedAfterGc(memory);
        long n = 0;
        for (int i = 0; i < dialogs; i++) {
            offer(bench, ++n);
            SipMessage forwarded = forwardedInvite(bench);
            SipMessage ok = MessageFactory.response(forwarded, 200, "OK", "uas" + n);
            byte[] bytes = ok.toByteArray();
            bench.proxy.transactions().receive(SipParser.DEFAULT.parse(bytes, bytes.length), ProxyBench.D1);
            bench.drain(); // the 200 relayed upstream
            if (n % 1000 == 0) {
                // the calls arrive at RATE: finished transactions stop lingering 32 s after theirs
                bench.clock.advanceTimeBy(Duration.ofNanos(1000 * 1_000_000_000L / RATE));
                bench.tables.cleanUp();
            }
        }
        long lingering = bench.tables.serverTransactionCount();
        System.out.printf("with the last 32 s of transactions lingering (%d): %.1f MB%n", lingering,
                usedAfterGc(memory) / 1e6);
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
