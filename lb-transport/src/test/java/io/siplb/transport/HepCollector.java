package io.siplb.transport;

import io.siplb.transport.capture.HepPacket;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A HEP collector on a loopback UDP port: every packet decoded ({@link HepPacket}) and kept in order. */
final class HepCollector implements AutoCloseable {
    final List<HepPacket> packets = new CopyOnWriteArrayList<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    private final DatagramSocket socket;
    private final Thread reader;

    HepCollector() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        reader = new Thread(this::read, "hep-collector");
        reader.setDaemon(true);
        reader.start();
    }

    /** {@code udp:127.0.0.1:port}, as {@code siplb.hep.collector} takes it. */
    String setting() {
        return "udp:127.0.0.1:" + socket.getLocalPort();
    }

    /** The packets of {@code callId}, in the order they came. */
    List<HepPacket> of(String callId) {
        return packets.stream().filter(p -> callId.equals(p.text(17))).toList();
    }

    private void read() {
        byte[] buffer = new byte[65_535];
        while (!socket.isClosed()) {
            DatagramPacket datagram = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(datagram);
                byte[] copy = Arrays.copyOf(buffer, datagram.getLength());
                packets.add(HepPacket.decode(copy, copy.length));
            } catch (IOException e) {
                return;
            } catch (RuntimeException e) {
                errors.add(e.toString());
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
