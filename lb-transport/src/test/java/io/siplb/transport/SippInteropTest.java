package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import io.siplb.core.dispatch.DestinationState;
import io.siplb.core.net.Transport;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * SIPp against the balancer, on loopback: a SIPp UAC whose scenario follows the Record-Route set
 * ({@code src/test/resources/sipp/uac-rr.xml}) calling through siplb to two SIPp UAS. Runs with
 * {@code mvn -B verify -Pinterop}; needs {@code sipp} on the PATH (Debian package
 * {@code sip-tester}, which {@code .ci/run} installs).
 */
@Tag("interop")
class SippInteropTest {
    private static final Path SCENARIOS = Path.of("src/test/resources/sipp").toAbsolutePath();
    private static final Path OUT = Path.of("target/interop").toAbsolutePath();

    private final List<Process> processes = new ArrayList<>();
    private LoopbackBalancer lb;

    @BeforeAll
    static void sippIsInstalled() throws IOException, InterruptedException {
        Process probe;
        try {
            probe = new ProcessBuilder("sipp", "-v").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new TestAbortedException("sipp is not installed (apt-get install sip-tester): skipped");
        }
        probe.waitFor(10, TimeUnit.SECONDS);
        Files.createDirectories(OUT);
        // these runs measure calls at rate; paranoid leak tracking (a stack trace per buffer, the
        // other tests' setting) would make the balancer shed load it normally carries
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
    }

    private static ResourceLeakDetector.Level leakLevel;

    @AfterAll
    static void restoreLeakLevel() {
        if (leakLevel != null) {
            ResourceLeakDetector.setLevel(leakLevel);
        }
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (lb != null) {
            lb.close();
        }
    }

    private Process sipp(String log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("sipp");
        command.addAll(List.of(args));
        command.addAll(List.of("-i", "127.0.0.1", "-nostdin"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(OUT.resolve(log).toFile()).start();
        processes.add(process);
        return process;
    }

    private Process uas(int port, String... transport) throws IOException {
        // uas-rr.xml copies Record-Route into its 180/200 (the built-in uas does not), so the
        // caller's ACK and BYE really follow the route set; -aa answers the balancer's probes
        List<String> args = new ArrayList<>(List.of("-sf", SCENARIOS.resolve("uas-rr.xml").toString(), "-aa",
                "-p", Integer.toString(port)));
        args.addAll(List.of(transport));
        return sipp("uas-" + port + ".log", args.toArray(String[]::new));
    }

    /** Runs the UAC to the end and returns its exit code (0: every call succeeded). */
    private int uac(String scenario, int rate, int calls) throws Exception {
        return uac(scenario, rate, calls, lb.address.getPort());
    }

    /** Same, to {@code port} of the balancer with {@code transport} SIPp options ({@code -t t1}). */
    private int uac(String scenario, int rate, int calls, int balancerPort, String... transport) throws Exception {
        int port = LoopbackBalancer.freePort();
        List<String> args = new ArrayList<>(List.of("127.0.0.1:" + balancerPort,
                "-sf", SCENARIOS.resolve(scenario).toString(), "-p", Integer.toString(port),
                "-r", Integer.toString(rate), "-m", Integer.toString(calls), "-l", Integer.toString(calls),
                "-d", "0", "-timeout", "60", "-timeout_error",
                "-trace_stat", "-stf", OUT.resolve("uac-" + port + ".csv").toString()));
        args.addAll(List.of(transport));
        Process uac = sipp("uac-" + port + ".log", args.toArray(String[]::new));
        assertThat(uac.waitFor(90, TimeUnit.SECONDS)).as("SIPp UAC finished").isTrue();
        return uac.exitValue();
    }

    private void balancer(int uas1, int uas2, String... settings) throws Exception {
        balancer("sip:127.0.0.1:" + uas1, "sip:127.0.0.1:" + uas2, settings);
    }

    private void balancer(String uas1, String uas2, String... settings) throws Exception {
        List<String> all = new ArrayList<>(List.of("siplb.probe.interval=1s", "siplb.probe.timeout=500ms"));
        all.addAll(List.of(settings));
        lb = new LoopbackBalancer(List.of("1 " + uas1 + " 0 0 duid=uas1", "1 " + uas2 + " 0 0 duid=uas2"),
                all.toArray(String[]::new));
        Thread.sleep(300); // SIPp binds its sockets at start
    }

    @Test
    void sippOverTcpThroughToUasOverUdpAndOverTcp() throws Exception {
        int overUdp = LoopbackBalancer.freePort();
        int overTcp = LoopbackBalancer.freePort();
        uas(overUdp);
        uas(overTcp, "-t", "t1");
        balancer("sip:127.0.0.1:" + overUdp, "sip:127.0.0.1:" + overTcp + ";transport=tcp",
                "siplb.listen=udp:127.0.0.1:0,tcp:127.0.0.1:0", "siplb.failover.timeout=2s",
                "siplb.warmup.calls=5000"); // as an operator runs it: the proxy meets no cold JIT
        int tcp = lb.balancer.boundAddress(Transport.TCP).getPort();
        int exit = uac("uac-rr.xml", 200, 1000, tcp, "-t", "t1");
        assertThat(exit).as("SIPp exit code, see " + OUT).isZero();
        assertThat(lb.balancer.tables().counters().failovers.sum()).isZero();
        assertThat(lb.balancer.tables().counters().transportErrors.sum()).isZero();
        // both destinations took calls: round-robin across the transports
        assertThat(lb.balancer.dispatcher().set(1).destinations()).allSatisfy(d -> assertThat(d.usable()).isTrue());
    }

    @Test
    void twoHundredCallsPerSecondWithNoFailure() throws Exception {
        int a = LoopbackBalancer.freePort();
        int b = LoopbackBalancer.freePort();
        uas(a);
        uas(b);
        balancer(a, b);
        assertThat(uac("uac-rr.xml", 200, 1000)).as("SIPp exit code, see " + OUT).isZero();
        assertThat(lb.balancer.tables().counters().failovers.sum()).isZero();
    }

    @Test
    void invitesOf20KilobytesFromSippCompleteThroughTheBalancer() throws Exception {
        int a = LoopbackBalancer.freePort();
        int b = LoopbackBalancer.freePort();
        uas(a);
        uas(b);
        balancer(a, b);
        assertThat(uac("uac-rr-large.xml", 50, 200)).as("SIPp exit code, see " + OUT).isZero();
        assertThat(lb.balancer.tables().counters().malformedDroppedTotal()).isZero();
        assertThat(lb.balancer.tables().counters().failovers.sum()).isZero();
    }

    @Test
    void aUasAnsweringEveryInviteWith503CostsNoCall() throws Exception {
        int refusing = LoopbackBalancer.freePort();
        int healthy = LoopbackBalancer.freePort();
        sipp("uas-503-" + refusing + ".log", "-sf", SCENARIOS.resolve("uas-503.xml").toString(), "-aa",
                "-p", Integer.toString(refusing));
        uas(healthy);
        balancer(refusing, healthy, "siplb.failover.mark=none");
        assertThat(uac("uac-rr.xml", 200, 1000)).as("SIPp exit code, see " + OUT).isZero();
        assertThat(lb.balancer.tables().counters().failovers.sum()).isGreaterThanOrEqualTo(400);
    }

    @Test
    void aUasStoppedMidRunIsFailedOverAfterTheTimeout() throws Exception {
        int a = LoopbackBalancer.freePort();
        int b = LoopbackBalancer.freePort();
        uas(a);
        Process doomed = uas(b);
        // a call the dead UAS had answered 180 but not yet 200 waits for fr_inv_timer, then its
        // branch is CANCELled and the call fails over: keep that wait short here
        balancer(a, b, "siplb.failover.timeout=1s", "siplb.failover.invite-timeout=3s");
        Thread killer = new Thread(() -> {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            }
            doomed.destroyForcibly();
        });
        killer.start();
        // teardown of calls set up on the dead UAS may end in 408/503: uac-rr-tolerant.xml
        assertThat(uac("uac-rr-tolerant.xml", 200, 1000)).as("SIPp exit code, see " + OUT).isZero();
        killer.join();
        assertThat(lb.balancer.dispatcher().set(1).destinations())
                .filteredOn(d -> d.uri().port() == b).singleElement()
                .satisfies(d -> assertThat(d.state().flags() & DestinationState.INACTIVE).isNotZero());
        assertThat(new File(OUT.toFile(), "uas-" + a + ".log")).exists();
        // restarted, the UAS is probed back up
        uas(b);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                lb.balancer.dispatcher().set(1).destinations().stream()
                        .filter(d -> d.uri().port() == b).allMatch(d -> d.usable()));
        assertThat(lb.balancer.destinationsUp()).isGreaterThanOrEqualTo(1);
    }
}
