package io.siplb.transport.cli;

import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.net.Transport;
import io.siplb.transport.Balancer;
import io.siplb.transport.config.BalancerSettings;
import io.siplb.transport.config.ConfigLoader;
import io.siplb.transport.demo.Demo;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * The command line:
 *
 * <pre>
 * bin/siplb [--config FILE] [--set key=value]… [--demo]       (java -jar siplb.jar with JvmSettings)
 * java -jar siplb.jar ctl [--admin HOST:PORT] [--token TOKEN] list|health|reload|state|add|remove|ping …
 * </pre>
 *
 * Without {@code --config}, {@code config/siplb.properties} is read when it exists, else the
 * built-in defaults apply. {@code --demo} also starts SIP backends and a call generator on
 * loopback, with their own destination list, so that calls are seen flowing and failing over.
 * SIGTERM (or Ctrl-C) drains: new calls are refused while live transactions finish.
 */
public final class SiplbCli {
    private SiplbCli() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("ctl")) {
            System.exit(Ctl.run(List.of(args).subList(1, args.length), System.out, System.err));
        }
        try {
            run(args);
        } catch (DestinationListException | IllegalArgumentException e) {
            System.err.println("siplb: " + e.getMessage());
            System.exit(2);
        } catch (IllegalStateException e) {
            System.err.println("siplb: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String[] args) throws DestinationListException {
        Path config = null;
        List<String> sets = new ArrayList<>();
        boolean demo = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = Path.of(value(args, ++i, "--config"));
                case "--set" -> sets.add(value(args, ++i, "--set"));
                case "--demo" -> demo = true;
                case "--help", "-h" -> {
                    System.out.println("usage: java -jar siplb.jar [--config FILE] [--set key=value]... [--demo]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "' (usage: [--config FILE] [--set key=value]... [--demo])");
            }
        }
        if (config == null && Files.isRegularFile(Path.of("config/siplb.properties"))) {
            config = Path.of("config/siplb.properties");
        }
        if (demo) {
            sets.addAll(0, Demo.settings());
        }
        ConfigValues values = ConfigLoader.load(config, System.getenv(), sets);
        warnOfMissingJvmSettings();
        Demo running = demo ? Demo.prepare() : null;
        Path file = config;
        Supplier<ConfigValues> source = () -> {
            ConfigValues fresh = ConfigLoader.load(file, System.getenv(), sets);
            return running != null ? running.override(fresh) : fresh;
        };
        BalancerSettings settings = BalancerSettings.from(demo ? running.override(values) : values, source);
        Balancer balancer = Balancer.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (running != null) {
                running.close();
            }
            balancer.drainAndClose();
            stopped.countDown();
        }, "siplb-shutdown"));
        if (running != null) {
            startDemo(running, balancer, settings);
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void warnOfMissingJvmSettings() {
        String missing = JvmSettings.missing(ManagementFactory.getRuntimeMXBean().getInputArguments());
        if (!missing.isEmpty()) {
            LoggerFactory.getLogger(SiplbCli.class).warn("started without the JVM settings siplb is measured "
                    + "with ({}): G1's default 200 ms pause target let young collections stop the event loops for "
                    + "100-230 ms at 1500 calls/s and the UDP receive buffers overflowed (siplb_udp_receive_drops_total); "
                    + "start it with bin/siplb, which passes {}", missing, JvmSettings.RECOMMENDED);
        }
    }

    /** The demo's callers and callees start once the balancer serves; where to look is printed. */
    private static void startDemo(Demo running, Balancer balancer, BalancerSettings settings) {
        running.reportStatusWith(() -> " | failed over " + balancer.tables().counters().failovers.sum()
                + " | " + destinations(balancer));
        if (balancer.adminPort() > 0) {
            System.out.println("siplb demo: status page http://" + settings.admin().host() + ":" + balancer.adminPort()
                    + "/   (siplb ctl list, siplb ctl routes, siplb ctl bans in another terminal)");
        }
        InetSocketAddress tls = balancer.boundAddress(Transport.TLS);
        if (tls != null) {
            System.out.println("siplb demo: also TCP and TLS; TLS on " + tls.getAddress().getHostAddress() + ":"
                    + tls.getPort() + " with the certificate generated in " + Demo.tlsDirectory()
                    + " (trust siplb-demo.crt to verify it)");
        }
        running.start(balancer.boundAddress(Transport.UDP));
    }

    private static String destinations(Balancer balancer) {
        StringBuilder text = new StringBuilder();
        balancer.dispatcher().sets().forEach(set -> set.destinations().forEach(d -> text.append(
                d.attributes().duid() != null ? d.attributes().duid() : d.uri().host()).append(' ')
                .append(d.state().letters()).append("  ")));
        return text.toString().trim();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
