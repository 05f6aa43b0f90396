package io.siplb.transport.demo;

import io.siplb.core.config.ConfigValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code --demo}: three SIP backends on loopback — {@code pbx1} healthy, {@code pbx2} refusing a
 * third of its calls with 503, {@code pbx3} silent — a destination list naming them, and a caller
 * placing calls through the balancer, with a one-line progress display that log lines are
 * printed above, whole ({@link ProgressLine}). Calls that land on pbx2's
 * refusals or pbx3's silence fail over; the caller sees them complete. The backends report their
 * calls in progress in their OPTIONS answers ({@code X-FS-Calls}), which siplb reads as their load.
 */
public final class Demo implements AutoCloseable {
    private static final int CALLS_PER_SECOND = 20;

    private final List<Backend> backends;
    private final Path list;
    private CallGenerator caller;
    private ScheduledExecutorService display;
    private final ProgressLine console = new ProgressLine(System.out, System.out);
    private Supplier<String> balancerStatus = () -> "";

    private Demo(List<Backend> backends, Path list) {
        this.backends = backends;
        this.list = list;
    }

    /** Where {@code --demo} keeps the TLS pair it generates at its first start. */
    public static Path tlsDirectory() {
        return Path.of(System.getProperty("user.home"), ".siplb", "demo-tls");
    }

    /**
     * The settings the demo starts from; the command line may still override them. It listens on
     * UDP and TCP 5060 and TLS 5061 of loopback, TLS with a self-signed pair generated into
     * {@link #tlsDirectory()} at the first start.
     */
    public static List<String> settings() {
        DemoCertificate.Pair tls = DemoCertificate.inDirectory(tlsDirectory());
        // a failure marks its destination inactive; its recheck (then OPTIONS every 2 s) brings
        // pbx2 back, never pbx3.
        // Panic only when all three are down: with the default 50 %, pbx2 and pbx3 down together
        // (a third usable) would put the set in and out of panic every few seconds
        return List.of("siplb.failover.timeout=1s", "siplb.failover.mark=inactive", "siplb.probe.interval=2s",
                "siplb.probe.timeout=1s", "siplb.dispatch.panic-threshold=30%", "siplb.probe.load-header=X-FS-Calls",
                "siplb.listen=udp:127.0.0.1:5060,tcp:127.0.0.1:5060,tls:127.0.0.1:5061",
                "siplb.tls.certificate=" + tls.certificate(), "siplb.tls.key=" + tls.key());
    }

    /** Starts the backends and writes their destination list. */
    public static Demo prepare() {
        List<Backend> backends = List.of(
                new Backend("pbx1", 0, Backend.Behaviour.HEALTHY),
                new Backend("pbx2", 0, Backend.Behaviour.refusing(1 / 3.0)),
                new Backend("pbx3", 0, Backend.Behaviour.silentOne()));
        backends.forEach(backend -> backend.reportLiveCallsIn("X-FS-Calls"));
        try {
            Path list = Files.createTempFile("siplb-demo-", ".list");
            list.toFile().deleteOnExit();
            StringBuilder text = new StringBuilder("# written by siplb --demo\n");
            for (Backend backend : backends) {
                text.append("1 sip:127.0.0.1:").append(backend.address().getPort())
                        .append(" 0 0 duid=").append(backend.name()).append('\n');
            }
            Files.writeString(list, text);
            return new Demo(backends, list);
        } catch (IOException e) {
            backends.forEach(Backend::close);
            throw new UncheckedIOException(e);
        }
    }

    /** The configuration with the demo's destination list in force. */
    public ConfigValues override(ConfigValues values) {
        return values.with(Map.of("siplb.destinations.file", list.toString()));
    }

    /** Shows how the balancer's destinations stand on the progress line. */
    public void reportStatusWith(Supplier<String> status) {
        this.balancerStatus = status;
    }

    /** Starts calling the balancer at {@code balancer} and printing progress. */
    public void start(InetSocketAddress balancer) {
        caller = new CallGenerator(balancer, false);
        caller.start(CALLS_PER_SECOND, Duration.ofMillis(500));
        console.install();
        console.print(System.out, "siplb demo: calling " + balancer.getAddress().getHostAddress() + ":"
                + balancer.getPort() + " at " + CALLS_PER_SECOND
                + " calls/s; pbx1 healthy, pbx2 refuses a third with 503, pbx3 silent. Ctrl-C stops.");
        display = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "siplb-demo-display");
            thread.setDaemon(true);
            return thread;
        });
        long[] last = {0};
        display.scheduleAtFixedRate(() -> {
            long done = caller.completed() + caller.failed();
            console.show("calls/s " + (done - last[0]) + " | completed " + caller.completed()
                    + " | failed " + caller.failed() + " | in progress " + caller.inProgress()
                    + balancerStatus.get());
            last[0] = done;
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (display != null) {
            display.shutdownNow();
        }
        console.close();
        if (caller != null) {
            caller.stop();
            caller.close();
        }
        backends.forEach(Backend::close);
    }
}
