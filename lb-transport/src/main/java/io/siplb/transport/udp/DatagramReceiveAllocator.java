package io.siplb.transport.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Receive buffers of one UDP channel: every datagram is read into a pooled buffer one octet
 * larger than {@code siplb.parser.max-message-bytes}, so that a datagram is never cut short
 * (Netty's own default is 2048 octets, which truncates the SDP of a WebRTC or video INVITE) and
 * one that fills the whole buffer is known to be over the limit. The buffer is released as soon
 * as the parser has copied the message out, so a 500-octet datagram holds a large pooled buffer
 * only while it is parsed.
 *
 * <p>It also counts read batches that ended because the batch was full ({@value #BATCH} datagrams
 * in one wake-up): more datagrams were waiting, the backlog that the loop's overload signal
 * ({@code io.siplb.transport.lane.LoopLoad}) asks for. Counted by the channel's loop, read by the same
 * loop.
 */
public final class DatagramReceiveAllocator extends FixedRecvByteBufAllocator {
    /** Datagrams read per wake-up of the loop: Netty's default for datagram channels. */
    public static final int BATCH = 16;
    /** The largest UDP payload is 65 507 octets over IPv4 and 65 527 over IPv6: 65 536 always fits. */
    private static final int LARGEST = 65_536;

    private final int bufferSize;
    private long fullBatches;

    /** For datagrams of at most {@code maxMessageBytes} octets. */
    public DatagramReceiveAllocator(int maxMessageBytes) {
        super(bufferSize(maxMessageBytes));
        this.bufferSize = bufferSize(maxMessageBytes);
        maxMessagesPerRead(BATCH);
    }

    private static int bufferSize(int maxMessageBytes) {
        return Math.min(maxMessageBytes + 1, LARGEST);
    }

    /** The size of every receive buffer. */
    int bufferSize() {
        return bufferSize;
    }

    /** Full read batches so far. */
    public long fullBatches() {
        return fullBatches;
    }

    @Override
    public Handle newHandle() {
        return new CountingHandle((ExtendedHandle) super.newHandle());
    }

    /** Netty's handle, counting the datagrams of each read batch. */
    private final class CountingHandle implements ExtendedHandle {
        private final ExtendedHandle delegate;
        private int messages;

        CountingHandle(ExtendedHandle delegate) {
            this.delegate = delegate;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return delegate.allocate(alloc);
        }

        @Override
        public int guess() {
            return delegate.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            messages = 0;
            delegate.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            messages += numMessages;
            delegate.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            delegate.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return delegate.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            delegate.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return delegate.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return delegate.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return delegate.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            if (messages >= maxMessagesPerRead()) {
                fullBatches++;
            }
            delegate.readComplete();
        }
    }
}
