package io.siplb.benchmarks.rig;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The rig's UAC, driven from its channel's event loop: a step offers {@code rate} calls a second
 * for {@code seconds} seconds, each INVITE sent when its turn comes whatever the answers so far
 * (open loop). A call is INVITE, 200, then ACK and BYE along the 200's Record-Route set to the
 * Contact (sent to the system under test, which is the first hop), then the BYE's 200. Its
 * response time runs from when its INVITE was due to the 200 (so a late send is counted against
 * the system, not hidden). INVITEs go out every millisecond, what is due (or every
 * {@code --tick-ms}: a burst per tick). INVITE and BYE are retransmitted 500 ms, 1 s, 2 s, then
 * every 4 s after their last send; a call fails on a final response other than 2xx, or when either transaction goes 8 s
 * without one.
 */
final class RigUac extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final long T1 = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(8);
    private static final byte INVITING = 1;
    private static final byte BYEING = 2;
    private static final byte DONE = 3;
    private static final byte FAILED = 4;
    private static final byte[] CALL_ID = SipBytes.ascii("call-id");
    private static final byte[] CSEQ = SipBytes.ascii("cseq");
    private static final byte[] TO = SipBytes.ascii("to");
    private static final byte[] RECORD_ROUTE = SipBytes.ascii("record-route");
    private static final byte[] CONTACT = SipBytes.ascii("contact");
    private static final byte[] INVITE = SipBytes.ascii("INVITE");
    private static final byte[] RESPONSE = SipBytes.ascii("SIP/2.0 ");

    private final InetSocketAddress target;
    private final RigMessages messages;
    private final byte[] in = new byte[65536];
    private final Reply reply = new Reply();
    private final int tickMillis;
    private final Channel channel;
    private long next = 1;
    private Step step;

    /**
     * @param channel the UDP socket it sends from and is added to
     * @param tickMillis how often the INVITEs due are sent: 1 spaces them evenly, more sends them in bursts
     */
    RigUac(Channel channel, InetSocketAddress target, RigMessages messages, int tickMillis) {
        this.channel = channel;
        this.target = target;
        this.messages = messages;
        this.tickMillis = tickMillis;
    }

    /** Starts a step on the channel's loop; completes when every call has ended or timed out. */
    CompletableFuture<Step> step(int rate, int seconds) {
        CompletableFuture<Step> done = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            step = new Step(rate, seconds, next, System.nanoTime(), done);
            next += step.total;
            step.ticker = channel.eventLoop().scheduleAtFixedRate(this::tick, 0, tickMillis, TimeUnit.MILLISECONDS);
            step.sweeper = channel.eventLoop().scheduleAtFixedRate(this::sweep, 20, 20, TimeUnit.MILLISECONDS);
        });
        return done;
    }

    /** Sends every INVITE now due. */
    private void tick() {
        Step s = step;
        long now = System.nanoTime();
        long due = Math.min(s.total, (long) ((now - s.start) * (double) s.rate / 1e9) + 1);
        for (; s.sent < due; s.sent++) {
            int i = s.sent;
            s.first[i] = s.start + (long) (i * 1e9 / s.rate);
            s.retransmitAt[i] = now + T1;
            s.stage[i] = INVITING;
            send(messages.invite(channel.alloc(), s.base + i));
        }
        if (s.sent == s.total) {
            s.ticker.cancel(false);
        }
        channel.flush();
    }

    /** Retransmits what is due, fails what has waited too long, ends the step when nothing is left. */
    private void sweep() {
        Step s = step;
        long now = System.nanoTime();
        for (int i = s.low; i < s.sent; i++) {
            byte stage = s.stage[i];
            if (stage >= DONE || now < s.retransmitAt[i]) {
                continue;
            }
            if (now - s.first[i] > TIMEOUT) {
                fail(s, i);
                continue;
            }
            s.tries[i]++;
            s.retransmissions++;
            s.retransmitAt[i] = now + Math.min(T1 << s.tries[i], TimeUnit.SECONDS.toNanos(4));
            send(stage == INVITING ? messages.invite(channel.alloc(), s.base + i)
                    : channel.alloc().ioBuffer(s.bye[i].length).writeBytes(s.bye[i]));
        }
        while (s.low < s.sent && s.stage[s.low] >= DONE) {
            s.low++;
        }
        channel.flush();
        if (s.low == s.total) {
            s.sweeper.cancel(false);
            s.done.complete(s);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf content = packet.content();
        int length = Math.min(content.readableBytes(), in.length);
        content.getBytes(content.readerIndex(), in, 0, length);
        Step s = step;
        if (s == null || !SipBytes.startsWith(in, 0, length, RESPONSE) || !reply.read(in, length)) {
            return;
        }
        int i = (int) (reply.call - s.base);
        if (i < 0 || i >= s.sent) {
            return; // a late answer to an earlier step
        }
        if (reply.status < 200) {
            return;
        }
        if (reply.invite) {
            answered(s, i);
        } else if (s.stage[i] == BYEING) {
            s.bye[i] = null;
            if (reply.status < 300) {
                s.stage[i] = DONE;
                s.completed++;
            } else {
                fail(s, i);
            }
        }
    }

    private void answered(Step s, int i) {
        long call = s.base + i;
        if (reply.status >= 300) {
            send(messages.ackOfFailure(channel.alloc(), call, in, reply));
            if (s.stage[i] == INVITING) {
                fail(s, i);
            }
            return;
        }
        send(messages.inDialog(channel.alloc(), call, in, reply, false));
        if (s.stage[i] != INVITING) {
            return; // a retransmitted 200: our ACK was lost, sent again above
        }
        long now = System.nanoTime();
        s.latency.recordValue(Math.max(0, (now - s.first[i]) / 1000));
        ByteBuf bye = messages.inDialog(channel.alloc(), call, in, reply, true);
        s.bye[i] = new byte[bye.readableBytes()];
        bye.getBytes(bye.readerIndex(), s.bye[i]);
        send(bye);
        s.stage[i] = BYEING;
        s.first[i] = now;
        s.tries[i] = 0;
        s.retransmitAt[i] = now + T1;
    }

    private static void fail(Step s, int i) {
        s.stage[i] = FAILED;
        s.bye[i] = null;
        s.failed++;
    }

    private void send(ByteBuf datagram) {
        channel.write(new DatagramPacket(datagram, target));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    /** One step's calls and what became of them. */
    public static final class Step {
        public final int rate;
        public final int total;
        final long base;
        final long start;
        final CompletableFuture<Step> done;
        final long[] first;
        final long[] retransmitAt;
        final byte[] stage;
        final byte[] tries;
        final byte[][] bye;
        public final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        int sent;
        int low;
        public long completed;
        public long failed;
        public long retransmissions;
        ScheduledFuture<?> ticker;
        ScheduledFuture<?> sweeper;

        Step(int rate, int seconds, long base, long start, CompletableFuture<Step> done) {
            this.rate = rate;
            this.total = rate * seconds;
            this.base = base;
            this.start = start;
            this.done = done;
            first = new long[total];
            retransmitAt = new long[total];
            stage = new byte[total];
            tries = new byte[total];
            bye = new byte[total][];
        }
    }

    /** What the UAC reads of a response: where its fields are in the receive array. */
    static final class Reply {
        int status;
        long call;
        boolean invite;
        int toStart;
        int toEnd;
        int contactStart;
        int contactEnd;
        /** Record-Route entries as (start, end) pairs, in the order they came. */
        int[] routes = new int[16];
        int routeCount;

        /** Reads {@code in[0, length)}; false when it lacks a Call-ID of the rig's or a CSeq. */
        boolean read(byte[] in, int length) {
            status = (int) SipBytes.decimal(in, RESPONSE.length, length);
            call = -1;
            toStart = -1;
            contactStart = -1;
            routeCount = 0;
            boolean cseq = false;
            int line = SipBytes.lineEnd(in, 0, length) + 2;
            while (line < length) {
                int end = SipBytes.lineEnd(in, line, length);
                if (end == line) {
                    break;
                }
                int at;
                if ((at = SipBytes.value(in, line, end, CALL_ID, (byte) 'i')) >= 0) {
                    call = SipBytes.decimal(in, at, end);
                } else if ((at = SipBytes.value(in, line, end, CSEQ, (byte) -1)) >= 0) {
                    cseq = true;
                    invite = SipBytes.contains(in, at, end, INVITE);
                } else if (SipBytes.value(in, line, end, TO, (byte) 't') >= 0) {
                    toStart = line;
                    toEnd = end;
                } else if ((at = SipBytes.value(in, line, end, RECORD_ROUTE, (byte) -1)) >= 0) {
                    entries(in, at, end);
                } else if ((at = SipBytes.value(in, line, end, CONTACT, (byte) 'm')) >= 0) {
                    contact(in, at, end);
                }
                line = end + 2;
            }
            return call > 0 && cseq && toStart >= 0;
        }

        /** The comma-separated entries of one Record-Route value (commas inside {@code <>} kept). */
        private void entries(byte[] in, int from, int end) {
            int start = from;
            boolean quoted = false;
            for (int i = from; i <= end; i++) {
                if (i < end && in[i] == '<') {
                    quoted = true;
                } else if (i < end && in[i] == '>') {
                    quoted = false;
                } else if (i == end || (in[i] == ',' && !quoted)) {
                    while (start < i && in[start] == ' ') {
                        start++;
                    }
                    if (2 * routeCount + 2 > routes.length) {
                        routes = Arrays.copyOf(routes, routes.length * 2);
                    }
                    routes[2 * routeCount] = start;
                    routes[2 * routeCount + 1] = i;
                    routeCount++;
                    start = i + 1;
                }
            }
        }

        /** The Contact's URI: inside {@code <>}, or up to the first ';'. */
        private void contact(byte[] in, int from, int end) {
            int open = from;
            while (open < end && in[open] != '<') {
                open++;
            }
            if (open < end) {
                int close = open + 1;
                while (close < end && in[close] != '>') {
                    close++;
                }
                contactStart = open + 1;
                contactEnd = close;
            } else {
                int semi = from;
                while (semi < end && in[semi] != ';') {
                    semi++;
                }
                contactStart = from;
                contactEnd = semi;
            }
        }
    }
}
