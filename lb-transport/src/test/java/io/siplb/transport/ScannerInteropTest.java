package io.siplb.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.siplb.transport.demo.Backend;
import io.siplb.transport.demo.CallGenerator;
import io.siplb.transport.protect.SourceGuard;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scanners a SIP port on the internet meets, at siplb on loopback: sipvicious's svmap, svwar
 * (extension enumeration) and svcrack (password guessing) from 127.0.0.2, and a sipsak flood from
 * 127.0.0.1, while a normal caller on 127.0.0.5 places calls. Needs Debian's {@code sipvicious}
 * and {@code sipsak} ({@code .ci/run} installs them); without them the test says so and is skipped.
 */
@Tag("interop")
class ScannerInteropTest {
    private static final Path OUT = Path.of("target/interop").toAbsolutePath();

    private static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code command} to its end (at most 60 s) and returns what it printed. */
    private static String run(String log, String... command) throws IOException, InterruptedException {
        Path output = OUT.resolve(log);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    @Test
    void theScannersFindNothingAndTheFloodIsBannedWhileCallsGoOn() throws Exception {
        for (String tool : List.of("svmap", "svwar", "svcrack", "sipsak")) {
            assumeTrue(installed(tool), tool + " is not installed (apt-get install sipvicious sipsak): skipped");
        }
        Files.createDirectories(OUT);
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Backend pbx = new Backend("pbx", 0, Backend.Behaviour.HEALTHY);
            open.add(0, pbx);
            LoopbackBalancer lb = LoopbackBalancer.of(List.of(pbx), "siplb.probe.interval=0",
                    "siplb.protect.rate=100", "siplb.protect.window=1s", "siplb.protect.ban=5m");
            open.add(0, lb);
            CallGenerator caller = new CallGenerator(lb.address, false, "127.0.0.5");
            open.add(0, caller);
            caller.start(20, Duration.ofMillis(200)); // 60 requests/s: under the rate
            String port = Integer.toString(lb.address.getPort());

            String svmap = run("svmap.log", "svmap", "-b", "127.0.0.2", "-p" + port, "127.0.0.1");
            String svwar = run("svwar.log", "svwar", "-b", "127.0.0.2", "-e100-199", "-p" + port, "127.0.0.1");
            String svcrack = run("svcrack.log", "svcrack", "-b", "127.0.0.2", "-u100", "-r1-300", "-p" + port,
                    "127.0.0.1");
            SourceGuard guard = lb.balancer.guard();
            // sipvicious 0.3.3's svwar and svcrack ignore -b: they send from 127.0.0.1
            assertThat(guard.bans()).extracting(ban -> ban.source().getHostAddress() + " " + ban.reason().label())
                    .containsExactlyInAnyOrder("127.0.0.2 scanner", "127.0.0.1 scanner");
            // nothing of the scanners reached the PBX: it saw the caller's INVITE, ACK and BYE only
            assertThat(pbx.requests("REGISTER") + pbx.requests("OPTIONS")).isZero();
            assertThat(guard.unban(InetAddress.getByName("127.0.0.1"))).isTrue(); // the flood comes from there
            long callsBeforeFlood = caller.completed();
            String sipsak = run("sipsak.log", "sipsak", "-F", "-e", "2000", "-s", "sip:flood@127.0.0.1:" + port);

            caller.stop();
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> caller.completed() + caller.failed() >= caller.started());
            assertThat(svmap).contains("found nothing");
            assertThat(svwar).contains("found nothing").doesNotContain("| reqauth").doesNotContain("| noauth");
            assertThat(svcrack).contains("found nothing");
            assertThat(sipsak).contains("flood end reached");
            assertThat(guard.bans()).extracting(ban -> ban.source().getHostAddress() + " " + ban.reason().label())
                    .containsExactlyInAnyOrder("127.0.0.2 scanner", "127.0.0.1 rate");
            // of sipsak's OPTIONS flood at most the first window's 100 reached the PBX
            assertThat(pbx.requests("OPTIONS")).isBetween(1L, 100L);
            assertThat(caller.failed()).isZero();
            assertThat(caller.completed()).isGreaterThan(callsBeforeFlood);
            InetAddress normal = InetAddress.getByName("127.0.0.5");
            assertThat(guard.bans()).noneMatch(ban -> ban.source().equals(normal));
        } finally {
            for (AutoCloseable resource : open) {
                resource.close();
            }
        }
    }
}
