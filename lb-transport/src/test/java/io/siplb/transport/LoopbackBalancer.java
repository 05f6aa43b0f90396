package io.siplb.transport;

import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.transport.config.BalancerSettings;
import io.siplb.transport.config.ConfigLoader;
import io.siplb.transport.demo.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A balancer on a loopback port the kernel chooses, in front of the given backends (set 1, in this
 * order), without the start-up warm-up unless a test asks for it.
 */
public final class LoopbackBalancer implements AutoCloseable {
    final Balancer balancer;
    final BalancerSettings settings;
    final InetSocketAddress address;
    /** The destination list file it reads (a reload reads it again). */
    final Path list;

    /** In front of {@code backends}. */
    static LoopbackBalancer of(List<Backend> backends, String... settings) {
        return new LoopbackBalancer(lines(backends), settings);
    }

    LoopbackBalancer(List<String> destinationLines, String... settings) {
        this(destinationLines, null, settings);
    }

    /** With {@code properties} as the configuration file, which a reload of the routes reads again. */
    LoopbackBalancer(List<String> destinationLines, Path properties, String... settings) {
        try {
            list = Files.createTempFile("siplb-test-", ".list");
            list.toFile().deleteOnExit();
            Files.write(list, destinationLines);
            List<String> sets = new ArrayList<>(List.of("siplb.listen=udp:127.0.0.1:0",
                    "siplb.destinations.file=" + list, "siplb.event-loops=2", "siplb.failover.timeout=300ms",
                    "siplb.shutdown.drain=0", "siplb.admin.listen=", "siplb.warmup.calls=0"));
            sets.addAll(List.of(settings));
            ConfigValues config = ConfigLoader.load(properties, Map.of(), sets);
            this.settings = BalancerSettings.from(config, () -> ConfigLoader.load(properties, Map.of(), sets));
            balancer = Balancer.start(this.settings);
            address = balancer.boundAddresses().get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (DestinationListException e) {
            throw new AssertionError(e);
        }
    }

    /** Destination lines for {@code backends}, with descending priority so set order is list order. */
    static List<String> lines(List<Backend> backends) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < backends.size(); i++) {
            lines.add("1 sip:127.0.0.1:" + backends.get(i).address().getPort() + " 0 " + (backends.size() - i)
                    + " duid=" + backends.get(i).name());
        }
        return lines;
    }

    public static int freePort() {
        try (DatagramSocket socket = new DatagramSocket(0,
                InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TCP port free on loopback now. */
    public static int freeTcpPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        balancer.close();
    }
}
