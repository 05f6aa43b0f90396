package io.siplb.transport;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A bare UDP socket on loopback for datagrams no SIP stack would send. */
public final class RawPeer implements AutoCloseable {
    private final DatagramSocket socket;

    public RawPeer() throws IOException {
        this("127.0.0.1");
    }

    /** On {@code host}, an address of the loopback range (127.0.0.0/8). */
    RawPeer(String host) throws IOException {
        socket = new DatagramSocket(0, InetAddress.getByName(host));
        socket.setSoTimeout(5000);
    }

    int port() {
        return socket.getLocalPort();
    }

    public void send(InetSocketAddress to, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    /** The next datagram as text; fails after 5 s of silence. */
    String receive() throws IOException {
        byte[] buffer = new byte[65535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no datagram within 5 s", e);
        }
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.ISO_8859_1);
    }

    /** The next datagram that starts with {@code start}, skipping others (probes, provisional answers). */
    String receive(String start) throws IOException {
        while (true) {
            String message = receive();
            if (message.startsWith(start)) {
                return message;
            }
        }
    }

    /** A Via naming this peer, with a fresh branch. */
    String via() {
        return "SIP/2.0/UDP 127.0.0.1:" + port() + ";branch=" + SipText.branch();
    }

    /** The next datagram as text within {@code millis}, or {@code null}. */
    String poll(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            byte[] buffer = new byte[65535];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            socket.receive(packet);
            return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(5000);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
