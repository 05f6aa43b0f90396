package io.siplb.transport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.opentest4j.TestAbortedException;

/**
 * baresip user agents for the interop tests (Debian {@code baresip-core}): a configuration
 * directory per agent with no audio device ({@code aubridge}), started with its SIP trace in
 * {@code target/interop/baresip-NAME.log}, driven through its {@code ctrl_tcp} module, which
 * also reports its call events. Closing stops every agent started.
 */
final class Baresip implements AutoCloseable {
    static final Path OUT = Path.of("target/interop").toAbsolutePath();
    private final List<Process> processes = new ArrayList<>();
    private final List<Control> controls = new ArrayList<>();

    /** Skips the test, naming the package, when baresip is not installed. */
    static void assumeInstalled() throws IOException, InterruptedException {
        try {
            Process probe = new ProcessBuilder("baresip", "-h").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            probe.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new TestAbortedException("baresip is not installed (apt-get install baresip-core): skipped");
        }
        Files.createDirectories(OUT);
    }

    /**
     * A SIP port for an agent: free for UDP and TCP, with its successor free for TCP too (baresip
     * binds its SIP port for both and its TLS listener on the next; a taken one stops it at start).
     */
    static int sipPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = controlPort();
            try (ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                    ServerSocket next = new ServerSocket(port + 1, 1, InetAddress.getLoopbackAddress());
                    DatagramSocket udp = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no free SIP port for baresip on loopback");
    }

    /** A free TCP port on loopback, for an agent's control socket. */
    static int controlPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * A configuration directory for agent {@code name}: SIP on {@code sip}, control on {@code
     * control}, RTP from {@code rtp}, with {@code extra} configuration lines and one account line.
     */
    static Path agent(Path work, String name, int sip, int control, int rtp, List<String> extra, String account)
            throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        List<String> config = new ArrayList<>(List.of(
                "poll_method epoll",
                "sip_listen 127.0.0.1:" + sip,
                "call_local_timeout 120",
                "audio_player aubridge," + name,
                "audio_source aubridge," + name,
                "audio_alert aubridge," + name + "-alert",
                "audio_level no",
                "rtp_ports " + rtp + "-" + (rtp + 9),
                "rtcp_mux no",
                "net_interface 127.0.0.1",
                "module_path /usr/lib/baresip/modules",
                "module g711.so",
                "module aubridge.so",
                "module_tmp uuid.so",
                "module_tmp account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                "ctrl_tcp_listen 127.0.0.1:" + control,
                "ringback_disabled yes",
                "statmode_default off"));
        config.addAll(extra);
        Files.writeString(dir.resolve("config"), String.join("\n", config) + "\n");
        Files.writeString(dir.resolve("accounts"), account + "\n");
        Files.writeString(dir.resolve("contacts"), "");
        Files.writeString(dir.resolve("control-port"), Integer.toString(control));
        return dir;
    }

    /** Starts an agent (-s traces its SIP messages into its log) and connects to its control port. */
    Control start(Path dir, String name) throws Exception {
        Process process = new ProcessBuilder("baresip", "-f", dir.toString(), "-v", "-s", "-t", "60")
                .redirectErrorStream(true).redirectOutput(OUT.resolve("baresip-" + name + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        processes.add(process);
        int port = Integer.parseInt(Files.readString(dir.resolve("control-port")).trim());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                Control control = new Control(new Socket(InetAddress.getLoopbackAddress(), port), name);
                controls.add(control);
                return control;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    String state = process.isAlive() ? "still running" : "exited with " + process.exitValue();
                    String message = name + " did not open its control port on " + port + " (" + state
                            + "); its log " + OUT.resolve("baresip-" + name + ".log") + " ends:\n" + tail(log(name));
                    throw process.isAlive() ? new AssertionError(message, e) : new Exited(message, e);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * As {@link #start}, but an agent that exits at start is started once more on fresh SIP and
     * control ports (its first log kept beside as {@code baresip-NAME-first.log}): for an agent
     * that nothing addresses by its port before it runs ({@link #sipListenPort} reads the one it
     * got).
     */
    Control startOnFreshPortsIfItExits(Path dir, String name) throws Exception {
        try {
            return start(dir, name);
        } catch (Exited e) {
            Files.move(OUT.resolve("baresip-" + name + ".log"), OUT.resolve("baresip-" + name + "-first.log"),
                    StandardCopyOption.REPLACE_EXISTING);
            int control = controlPort();
            String config = Files.readString(dir.resolve("config"))
                    .replaceAll("(?m)^sip_listen .*$", "sip_listen 127.0.0.1:" + sipPort())
                    .replaceAll("(?m)^ctrl_tcp_listen .*$", "ctrl_tcp_listen 127.0.0.1:" + control);
            Files.writeString(dir.resolve("config"), config);
            Files.writeString(dir.resolve("control-port"), Integer.toString(control));
            return start(dir, name);
        }
    }

    /** The SIP port of the agent configured in {@code dir} (after {@link #startOnFreshPortsIfItExits}, the one it runs on). */
    static int sipListenPort(Path dir) throws IOException {
        Matcher listen = Pattern.compile("(?m)^sip_listen 127\\.0\\.0\\.1:(\\d+)$").matcher(Files.readString(dir.resolve("config")));
        if (!listen.find()) {
            throw new IllegalStateException("no sip_listen line in " + dir.resolve("config"));
        }
        return Integer.parseInt(listen.group(1));
    }

    /** An agent that exited before opening its control port. */
    private static final class Exited extends AssertionError {
        private static final long serialVersionUID = 1L;

        Exited(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static String tail(String log) {
        return log.substring(Math.max(0, log.length() - 2000));
    }

    /** The SIP trace agent {@code name} logged. */
    static String log(String name) throws IOException {
        return Files.readString(OUT.resolve("baresip-" + name + ".log"));
    }

    /** Waits up to 10 s for agent {@code name}'s log to hold {@code text} (events sent before the control connected are lost). */
    static void awaitLog(String name, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!log(name).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " logged no \"" + text + "\" within 10 s; see " + OUT + "/baresip-" + name + ".log");
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws IOException {
        processes.forEach(Process::destroyForcibly);
        for (Control control : controls) {
            control.socket.close();
        }
    }

    /** baresip's ctrl_tcp: JSON commands and events framed as netstrings ({@code len:json,}). */
    static final class Control {
        private final Socket socket;
        private final String name;
        private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        Control(Socket socket, String name) {
            this.socket = socket;
            this.name = name;
            Thread reader = new Thread(this::read, "baresip-" + name + "-events");
            reader.setDaemon(true);
            reader.start();
        }

        void send(String command, String params) throws IOException {
            String json = "{\"command\":\"" + command + "\"" + (params == null ? "" : ",\"params\":\"" + params + "\"")
                    + ",\"token\":\"" + command + "\"}";
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.write(',');
            out.flush();
        }

        private void read() {
            try (InputStream in = socket.getInputStream()) {
                while (true) {
                    int length = 0;
                    int b;
                    while ((b = in.read()) != ':') {
                        if (b < 0) {
                            return;
                        }
                        length = length * 10 + (b - '0');
                    }
                    String json = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    in.read(); // the trailing comma
                    events.add(json);
                }
            } catch (IOException e) {
                // the agent quit
            }
        }

        /** Waits up to 10 s for an event of {@code type}. */
        void await(String type) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                String event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (event != null && event.contains("\"type\":\"" + type + "\"")) {
                    return;
                }
            }
            throw new AssertionError(name + " reported no " + type + " within 10 s; see " + OUT + "/baresip-" + name + ".log");
        }
    }
}
