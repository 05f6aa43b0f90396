package io.siplb.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.DatagramPacket;
import io.siplb.transport.RawPeer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.netty.Connection;
import reactor.netty.resources.LoopResources;
import reactor.netty.udp.UdpServer;

/** The receive allocator on a real channel: whole large datagrams, and full batches counted. */
class DatagramReceiveAllocatorTest {
    @Test
    void datagramsQueuedWhileTheLoopWasBusyAreReadInFullBatches() throws Exception {
        LoopResources loops = LoopResources.create("receive-test", 1, true);
        DatagramReceiveAllocator receive = new DatagramReceiveAllocator(65_535);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger largest = new AtomicInteger();
        Connection server = UdpServer.create().host("127.0.0.1").port(0).runOn(loops, Epoll.isAvailable())
                .option(ChannelOption.RCVBUF_ALLOCATOR, receive)
                .handle((in, out) -> in.receiveObject().doOnNext(message -> {
                    received.incrementAndGet();
                    largest.accumulateAndGet(((DatagramPacket) message).content().readableBytes(), Math::max);
                }).then())
                .bindNow(Duration.ofSeconds(5));
        try (RawPeer peer = new RawPeer()) {
            InetSocketAddress address = (InetSocketAddress) server.channel().localAddress();
            CountDownLatch blocked = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            server.channel().eventLoop().execute(() -> {
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            blocked.await();
            for (int i = 0; i < 100; i++) {
                peer.send(address, "x".repeat(100));
            }
            peer.send(address, "y".repeat(60_000));
            release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> received.get() == 101);
            assertThat(largest.get()).isEqualTo(60_000);
            assertThat(receive.bufferSize()).isEqualTo(65_536);
            // 101 queued datagrams are read 16 at a time: six full batches at least
            server.channel().eventLoop().submit(() -> assertThat(receive.fullBatches()).isGreaterThanOrEqualTo(6)).get();
        } finally {
            server.disposeNow();
            loops.dispose();
        }
    }
}
