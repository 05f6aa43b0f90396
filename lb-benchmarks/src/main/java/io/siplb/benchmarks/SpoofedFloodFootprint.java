package io.siplb.benchmarks;

import com.github.benmanes.caffeine.cache.Ticker;
import io.siplb.core.config.ConfigValues;
import io.siplb.transport.protect.ProtectSettings;
import io.siplb.transport.protect.SourceGuard;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Heap held by edge protection under a spoofed flood: requests from {@code sources} distinct
 * addresses (default 100 000, then as many again), each over the rate so that every one is banned,
 * through one {@link SourceGuard} with {@code siplb.protect.max-sources} at its default. Prints the
 * heap used after a full GC before the flood, after the first 100 000 and after the second: flat
 * once the tables are full, since the least recently seen sources are forgotten.
 *
 * <pre>
 * java -Xmx256m -cp lb-benchmarks/target/benchmarks.jar io.siplb.benchmarks.SpoofedFloodFootprint
 * </pre>
 */
public final class SpoofedFloodFootprint {
    private SpoofedFloodFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int sources = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        SourceGuard guard = new SourceGuard(ProtectSettings.from(new ConfigValues(Map.of(
                "siplb.protect.rate", "2", "siplb.protect.window", "10s"))), Ticker.systemTicker());
        long before = usedAfterGc(memory);
        flood(guard, 0, sources);
        long first = usedAfterGc(memory);
        long bansFirst = guard.banned();
        flood(guard, sources, sources);
        long second = usedAfterGc(memory);
        System.out.printf("heap before: %.1f MB; after %d spoofed sources: %.1f MB (%d banned, %d tracked);"
                        + " after %d more: %.1f MB (%d banned, %d tracked)%n",
                before / 1e6, sources, first / 1e6, bansFirst, guard.trackedSources(), sources, second / 1e6,
                guard.banned(), guard.trackedSources());
    }

    /** Three requests from each of {@code count} addresses from {@code offset} on: the third is over the rate. */
    private static void flood(SourceGuard guard, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            InetSocketAddress source = new InetSocketAddress(
                    "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 5060);
            for (int k = 0; k < 3; k++) {
                guard.admit(source, true);
            }
        }
    }

    private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
