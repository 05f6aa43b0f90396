package io.siplb.transport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A SIP peer over TCP or TLS with blocking JDK sockets, for tests: a listener whose accepted
 * connections queue what they receive, or one connection to the balancer. Messages are framed by
 * Content-Length, as RFC 3261 §18.3 says.
 */
final class StreamPeer implements AutoCloseable {
    private final ServerSocket server;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Link> accepted = new LinkedBlockingQueue<>();
    private volatile Responder responder;

    /** What a listener does with each request it receives; {@code null} answers nothing. */
    @FunctionalInterface
    interface Responder {
        void onRequest(Link link, String request) throws IOException;
    }

    /** A listener on a free loopback port; TLS when {@code tls} is given. */
    StreamPeer(SSLContext tls) throws IOException {
        server = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
                : tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(this::acceptLoop, "stream-peer-accept-" + server.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    /** Answers every request as {@code next} says, on the connection it came on. */
    StreamPeer respond(Responder next) {
        this.responder = next;
        return this;
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Link link = new Link(socket, this);
                links.add(link);
                accepted.add(link);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** The next connection accepted, within 5 s. */
    Link accepted() throws InterruptedException {
        Link link = accepted.poll(5, TimeUnit.SECONDS);
        if (link == null) {
            throw new AssertionError("no connection accepted within 5 s on " + port());
        }
        return link;
    }

    List<Link> links() {
        return links;
    }

    /** A connection to {@code to}; TLS when {@code tls} is given. */
    static Link connect(InetSocketAddress to, SSLContext tls) throws IOException {
        Socket socket = tls == null ? new Socket(to.getAddress(), to.getPort())
                : tls.getSocketFactory().createSocket(to.getAddress(), to.getPort());
        return new Link(socket, null);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        links.forEach(Link::close);
    }

    /** One connection: messages in are queued by a reader thread, messages out are written whole. */
    static final class Link implements AutoCloseable {
        private final Socket socket;
        private final StreamPeer owner;
        private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        private volatile boolean ended;

        Link(Socket socket, StreamPeer owner) throws IOException {
            this.socket = socket;
            this.owner = owner;
            socket.setTcpNoDelay(true);
            Thread reader = new Thread(this::readLoop, "stream-peer-read-" + socket.getLocalPort());
            reader.setDaemon(true);
            reader.start();
        }

        int localPort() {
            return socket.getLocalPort();
        }

        Socket socket() {
            return socket;
        }

        private void readLoop() {
            try (InputStream in = new BufferedInputStream(socket.getInputStream())) {
                String message;
                while ((message = readMessage(in)) != null) {
                    Responder responder = owner == null ? null : owner.responder;
                    if (responder != null && !message.startsWith("SIP/2.0 ")) {
                        responder.onRequest(this, message);
                    }
                    received.add(message);
                }
            } catch (IOException e) {
                // reset or closed: the connection ended
            } finally {
                ended = true;
            }
        }

        /** One message, or {@code null} at the end of the stream; CRLFs between messages are kept as "\r\n". */
        private String readMessage(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] so = head.toByteArray();
                int n = so.length;
                if (n == 2 && so[0] == '\r' && so[1] == '\n' && in.available() == 0) {
                    return "\r\n"; // a pong
                }
                if (n >= 4 && so[n - 4] == '\r' && so[n - 3] == '\n' && so[n - 2] == '\r' && so[n - 1] == '\n') {
                    break;
                }
            }
            if (b < 0) {
                return null;
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int length = 0;
            for (String line : text.split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:") || lower.startsWith("l:")) {
                    length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            byte[] body = in.readNBytes(length);
            return text + new String(body, StandardCharsets.ISO_8859_1);
        }

        synchronized void send(String text) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The next message received, within 5 s. */
        String receive() throws InterruptedException {
            String message = received.poll(5, TimeUnit.SECONDS);
            if (message == null) {
                throw new AssertionError("nothing received within 5 s on " + this);
            }
            return message;
        }

        /** The next message received whose first line starts with {@code start}, skipping others. */
        String receive(String start) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                String message = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (message != null && message.startsWith(start)) {
                    return message;
                }
            }
            throw new AssertionError("no '" + start + "' within 5 s on " + this);
        }

        /** Whether the peer closed or reset the connection, waiting up to {@code millis} for it. */
        boolean endedWithin(long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            while (!ended && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            return ended;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        @Override
        public String toString() {
            return "link " + socket.getLocalPort() + "->" + socket.getPort();
        }
    }
}
