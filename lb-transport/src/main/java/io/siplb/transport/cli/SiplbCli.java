package io.siplb.transport.cli;

import io.netty.util.internal.PlatformDependent;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.net.Transport;
import io.siplb.transport.Balancer;
import io.siplb.transport.Hangup;
import io.siplb.transport.config.BalancerSettings;
import io.siplb.transport.config.ConfigCheck;
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
 * The command line ({@link #USAGE}; {@code bin/siplb} and {@code /usr/bin/siplb} run it with the
 * JVM settings of {@link JvmSettings}).
 *
 * <p>Without {@code --config}, {@code config/siplb.properties} is read when it exists, else the
 * built-in defaults apply. {@code --demo} also starts SIP backends and a call generator on
 * loopback, with their own destination list, so that calls are seen flowing and failing over.
 * SIGTERM (or Ctrl-C) drains: new calls are refused while live transactions finish. SIGHUP reloads
 * the destination list, the routes and the TLS material ({@link Hangup}).
 */
public final class SiplbCli {
    /** Every command and option, as {@code --help} prints it (and the man page lists). */
    static final String USAGE = """
            usage: siplb [--config FILE] [--set key=value]... [--demo]
                   siplb check [--config FILE] [--set key=value]...
                   siplb ctl [--admin HOST:PORT] [--token TOKEN] COMMAND
                   siplb --help

            siplb                 runs the balancer; FILE defaults to config/siplb.properties when it
                                  exists, else every key has its default (docs/configuration.md)
              --config FILE       the properties file
              --set key=value     a key over the file and the SIPLB_* environment variables (repeatable)
              --demo              also runs SIP backends and callers on loopback, with a status page
            siplb check           reads the properties, the destination list, the routes and the TLS
                                  certificate and key as a start would, binding nothing; exit 0, or 1
                                  with every problem on a line of its own
            siplb ctl COMMAND     asks a running balancer's admin API (default 127.0.0.1:8080):
              list | health | reload [cluster] | state STATE SET URI | drain SET URI
              add SET URI [FLAGS [PRIORITY [ATTRS]]] | remove SET URI | ping on|off
              routes [reload] | bans | ban IP [FOR] | unban IP | cluster | connections | tls reload

            signals: SIGTERM drains (siplb.shutdown.drain) and stops; SIGHUP reloads the destination
            list, the routes and the TLS material, keeping each part that does not read well
            """;

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

    /** What the command line asks for, apart from the command. */
    private record Options(Path config, List<String> sets, boolean demo) {
    }

    private static Options options(List<String> args, boolean demoAllowed) {
        Path config = null;
        List<String> sets = new ArrayList<>();
        boolean demo = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--config") || arg.equals("--set")) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                String value = args.get(++i);
                if (arg.equals("--config")) {
                    config = Path.of(value);
                } else {
                    sets.add(value);
                }
            } else if (arg.equals("--demo") && demoAllowed) {
                demo = true;
            } else {
                throw new IllegalArgumentException("unknown argument '" + arg + "' (siplb --help lists them)");
            }
        }
        if (config == null && Files.isRegularFile(Path.of("config/siplb.properties"))) {
            config = Path.of("config/siplb.properties");
        }
        return new Options(config, sets, demo);
    }

    private static void run(String[] args) throws DestinationListException {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
            System.out.print(USAGE);
            return;
        }
        if (args.length > 0 && args[0].equals("check")) {
            System.exit(check(options(List.of(args).subList(1, args.length), false)));
        }
        Options options = options(List.of(args), true);
        List<String> sets = new ArrayList<>(options.sets());
        if (options.demo()) {
            sets.addAll(0, Demo.settings());
        }
        Path file = options.config();
        ConfigValues values = ConfigLoader.load(file, System.getenv(), sets);
        LogSetup.apply(values, System.getenv());
        warnOfMissingJvmSettings();
        Demo running = options.demo() ? Demo.prepare() : null;
        Supplier<ConfigValues> source = () -> {
            ConfigValues fresh = ConfigLoader.load(file, System.getenv(), sets);
            return running != null ? running.override(fresh) : fresh;
        };
        BalancerSettings settings = BalancerSettings.from(running != null ? running.override(values) : values, source);
        Hangup hangup = new Hangup(() -> ConfigCheck.check(file, System.getenv(), sets).problems());
        hangup.install(); // before the start, which may take seconds: a SIGHUP then is ignored, not fatal
        Balancer balancer = Balancer.start(settings);
        hangup.serve(balancer, settings);
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

    /** {@code siplb check}: 0 when the configuration would start, else 1 with every problem on standard error. */
    private static int check(Options options) {
        ConfigCheck.Result result = ConfigCheck.check(options.config(), System.getenv(), options.sets());
        String file = options.config() != null ? options.config().toString() : "the defaults";
        result.notes().forEach(note -> System.out.println("siplb check: note: " + note));
        if (result.ok()) {
            System.out.println("siplb check: " + file + " is good: " + result.summary());
            return 0;
        }
        result.problems().forEach(System.err::println);
        System.err.println("siplb check: " + result.problems().size() + " problem(s) in " + file);
        return 1;
    }

    private static void warnOfMissingJvmSettings() {
        String missing = JvmSettings.missing(ManagementFactory.getRuntimeMXBean().getInputArguments());
        if (!missing.isEmpty()) {
            LoggerFactory.getLogger(SiplbCli.class).warn("started without the JVM settings siplb is measured "
                    + "with ({}): G1's default 200 ms pause target let young collections stop the event loops for "
                    + "100-230 ms at 1500 calls/s and the UDP receive buffers overflowed (siplb_udp_receive_drops_total); "
                    + "start it with bin/siplb, which passes {}", missing, JvmSettings.RECOMMENDED);
        }
        if (!PlatformDependent.hasUnsafe()) {
            LoggerFactory.getLogger(SiplbCli.class).warn("Netty runs without sun.misc.Unsafe ({}): it cannot free "
                    + "its direct buffers eagerly, and on JDK 25 siplb then failed 10-50 % of calls at 1500 calls/s; "
                    + "on Java 24 and later start it with --sun-misc-unsafe-memory-access=allow (bin/siplb does)",
                    PlatformDependent.getUnsafeUnavailabilityCause() == null ? "unavailable"
                            : PlatformDependent.getUnsafeUnavailabilityCause().getMessage());
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
}
