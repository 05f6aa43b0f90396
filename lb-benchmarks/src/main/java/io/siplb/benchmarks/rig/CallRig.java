package io.siplb.benchmarks.rig;

import com.sun.management.OperatingSystemMXBean;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A load generator for finding the highest call rate a SIP proxy carries: one UAC
 * ({@link RigUac}) and {@code --uas} stateless UASes ({@link RigUas}) over UDP on one event
 * loop thread, so that pinned to one core it leaves the other to the system under test. It prints
 * its UAS addresses ({@code uas 127.0.0.1:P1,127.0.0.1:P2}) for the system's destination list,
 * then reads commands from standard input: {@code run RATE SECONDS} runs a step and prints one
 * line of results, {@code quit} (or end of input) stops.
 *
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.siplb.benchmarks.rig.CallRig --target 127.0.0.1:5060 --uas 2
 * run 3000 10
 * step rate=3000 seconds=10 offered=30000 completed=30000 failed=0 retransmissions=0 p50_ms=0.31 ...
 * </pre>
 *
 * <p>A step line gives the calls offered, completed and failed, the INVITE retransmissions, the
 * response time percentiles (INVITE due → 200) and the rig's own CPU seconds over the step
 * ({@code rig_cpu_s}, the whole JVM; {@code rig_sys_s} of it in the kernel). lb-benchmarks/sipp/ceiling.py drives it.
 */
public final class CallRig implements AutoCloseable {
    /** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
    private static final double TICKS = 100.0;

    private final EventLoopGroup loop;
    private final List<InetSocketAddress> uas = new ArrayList<>();
    private final Channel uacChannel;
    private final RigUac uac;

    /** Binds {@code uasCount} UASes and the UAC on ephemeral loopback ports, the UAC aimed at {@code target}. */
    public CallRig(InetSocketAddress target, int uasCount) throws InterruptedException {
        this(target, uasCount, 1);
    }

    /** As above, the UAC sending what is due every {@code tickMillis} milliseconds. */
    public CallRig(InetSocketAddress target, int uasCount, int tickMillis) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        loop = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            for (int k = 0; k < uasCount; k++) {
                Channel channel = bind(loop, epoll);
                InetSocketAddress self = (InetSocketAddress) channel.localAddress();
                channel.pipeline().addLast(new RigUas(self));
                uas.add(self);
            }
            uacChannel = bind(loop, epoll);
            String run = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
            uac = new RigUac(uacChannel, target, new RigMessages((InetSocketAddress) uacChannel.localAddress(), target, run),
                    tickMillis);
            uacChannel.pipeline().addLast(uac);
        } catch (InterruptedException | RuntimeException e) {
            loop.shutdownGracefully();
            throw e;
        }
    }

    /** The UASes' addresses, for the system's destination list. */
    public List<InetSocketAddress> uas() {
        return List.copyOf(uas);
    }

    /** Runs one step: {@code rate} calls a second for {@code seconds} seconds, until every call has ended. */
    public RigUac.Step run(int rate, int seconds) throws InterruptedException, ExecutionException {
        return uac.step(rate, seconds).get();
    }

    @Override
    public void close() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress target = null;
        int uasCount = 2;
        int tickMillis = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--target" -> target = address(args[++i]);
                case "--uas" -> uasCount = Integer.parseInt(args[++i]);
                case "--tick-ms" -> tickMillis = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (use --target HOST:PORT [--uas N] [--tick-ms N])");
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("--target HOST:PORT is required");
        }
        try (CallRig rig = new CallRig(target, uasCount, tickMillis)) {
            System.out.println("uas " + String.join(",", rig.uas.stream()
                    .map(a -> a.getHostString() + ":" + a.getPort()).toList()));
            System.out.flush();
            rig.commands();
        }
    }

    private void commands() throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("quit")) {
            String[] words = line.trim().split("\\s+");
            if (words.length != 3 || !words[0].equals("run")) {
                System.out.println("error: expected 'run RATE SECONDS' or 'quit', got '" + line + "'");
                System.out.flush();
                continue;
            }
            int rate = Integer.parseInt(words[1]);
            int seconds = Integer.parseInt(words[2]);
            double[] before = cpuSeconds();
            RigUac.Step step = run(rate, seconds);
            double[] after = cpuSeconds();
            System.out.println(result(step, seconds, after[0] - before[0], after[1] - before[1]));
            System.out.flush();
        }
    }

    private static String result(RigUac.Step step, int seconds, double user, double system) {
        Histogram h = step.latency;
        return String.format(Locale.ROOT, "step rate=%d seconds=%d offered=%d completed=%d failed=%d retransmissions=%d "
                + "p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f rig_cpu_s=%.3f rig_sys_s=%.3f", step.rate, seconds, step.total,
                step.completed, step.failed, step.retransmissions, h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(95) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, user + system, system);
    }

    /**
     * The JVM's CPU seconds, user and system (the kernel's share matters: on loopback a sender's
     * system time includes delivering its datagrams to the receiver's socket). From /proc/self/stat;
     * where that cannot be read, all of the JVM's CPU time counts as user time.
     */
    private static double[] cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new double[] {Long.parseLong(fields[11]) / TICKS, Long.parseLong(fields[12]) / TICKS};
        } catch (IOException | RuntimeException e) {
            long nanos = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            return new double[] {nanos / 1e9, 0};
        }
    }

    /** A UDP socket on an ephemeral loopback port; its handler is added once its address is known. */
    private static Channel bind(EventLoopGroup loop, boolean epoll) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(loop)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new ChannelInboundHandlerAdapter());
        return bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
