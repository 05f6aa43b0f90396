package io.siplb.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The kernel's count of datagrams dropped on a full receive buffer, read for our own socket. */
class KernelDropsTest {
    @Test
    void aSocketNobodyReadsCountsWhatTheKernelDropped() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "epoll (Linux) is not available: skipped");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (DatagramSocket sender = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Channel channel = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 4096).option(ChannelOption.AUTO_READ, false)
                    .handler(new ChannelInboundHandlerAdapter())
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            KernelDrops drops = new KernelDrops();
            drops.watch(channel);
            assertThat(drops.available()).isTrue();
            assertThat(drops.total()).isZero();
            byte[] payload = new byte[1000];
            InetSocketAddress to = (InetSocketAddress) channel.localAddress();
            for (int i = 0; i < 200; i++) { // nothing reads: the buffer fills and the rest is dropped
                sender.send(new DatagramPacket(payload, payload.length, to));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> drops.total() > 100);
            KernelDrops other = new KernelDrops(); // a socket not watched is not counted
            assertThat(other.total()).isZero();
            channel.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
