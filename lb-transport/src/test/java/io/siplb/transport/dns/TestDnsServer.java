package io.siplb.transport.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A DNS server for the tests, on a loopback UDP port (Netty's codec-dns): A, AAAA, CNAME, SRV and
 * NAPTR records a test sets and changes while the balancer runs, and per-name misbehaviour —
 * NXDOMAIN, SERVFAIL, silence, a truncated answer, garbage instead of an answer.
 */
public final class TestDnsServer implements AutoCloseable {
    /** How the server answers a name. */
    public enum Behaviour { ANSWER, NXDOMAIN, SERVFAIL, REFUSED, NOTIMP, SILENT, TRUNCATED, GARBAGE }

    private record Entry(DnsRecordType type, long ttl, Consumer<ByteBuf> content) {
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final Map<String, List<Entry>> records = new ConcurrentHashMap<>();
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    /** Per name and query type ({@code name/TYPE}): over the name's own behaviour. */
    private final Map<String, Behaviour> typeBehaviours = new ConcurrentHashMap<>();
    private volatile Behaviour everyName = Behaviour.ANSWER;
    private final AtomicInteger queries = new AtomicInteger();

    public TestDnsServer() {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<NioDatagramChannel>() {
                    @Override
                    protected void initChannel(NioDatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new Handler());
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** {@code siplb.dns.servers} for this server. */
    public String setting() {
        return "siplb.dns.servers=127.0.0.1:" + address().getPort();
    }

    public int queries() {
        return queries.get();
    }

    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private void add(String name, DnsRecordType type, long ttl, Consumer<ByteBuf> content) {
        records.computeIfAbsent(key(name), k -> new CopyOnWriteArrayList<>()).add(new Entry(type, ttl, content));
    }

    public TestDnsServer a(String name, String address, long ttl) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        add(name, bytes.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA, ttl, out -> out.writeBytes(bytes));
        return this;
    }

    public TestDnsServer cname(String name, String target, long ttl) {
        add(name, DnsRecordType.CNAME, ttl, out -> name(out, target));
        return this;
    }

    public TestDnsServer srv(String name, int priority, int weight, int port, String target, long ttl) {
        add(name, DnsRecordType.SRV, ttl, out -> {
            out.writeShort(priority).writeShort(weight).writeShort(port);
            name(out, target);
        });
        return this;
    }

    public TestDnsServer naptr(String name, int order, int preference, String service, String replacement, long ttl) {
        add(name, DnsRecordType.NAPTR, ttl, out -> {
            out.writeShort(order).writeShort(preference);
            string(out, "s");
            string(out, service);
            string(out, "");
            name(out, replacement);
        });
        return this;
    }

    /** Forgets every record of {@code name}. */
    public TestDnsServer clear(String name) {
        records.remove(key(name));
        return this;
    }

    public TestDnsServer behave(String name, Behaviour behaviour) {
        behaviours.put(key(name), behaviour);
        return this;
    }

    /** How queries of {@code type} for {@code name} are answered (other types as the name's own). */
    public TestDnsServer behave(String name, DnsRecordType type, Behaviour behaviour) {
        typeBehaviours.put(key(name) + "/" + type.name(), behaviour);
        return this;
    }

    /** How every name is answered from now on (SILENT: the server is down). */
    public void behaveForAll(Behaviour behaviour) {
        everyName = behaviour;
    }

    private static void name(ByteBuf out, String name) {
        for (String label : key(name).split("\\.")) {
            if (!label.isEmpty()) {
                byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
                out.writeByte(bytes.length).writeBytes(bytes);
            }
        }
        out.writeByte(0);
    }

    private static void string(ByteBuf out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        out.writeByte(bytes.length).writeBytes(bytes);
    }

    private final class Handler extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            queries.incrementAndGet();
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            String name = key(question.name());
            Behaviour behaviour = everyName != Behaviour.ANSWER ? everyName
                    : typeBehaviours.getOrDefault(name + "/" + question.type().name(),
                            behaviours.getOrDefault(name, Behaviour.ANSWER));
            if (behaviour == Behaviour.SILENT) {
                return;
            }
            if (behaviour == Behaviour.GARBAGE) {
                ByteBuf junk = Unpooled.buffer();
                junk.writeShort(query.id()).writeBytes(new byte[] {(byte) 0x81, (byte) 0x80, 0, 1, 0, 5, 0, 0, 0, 0, 3, 'x'});
                ctx.writeAndFlush(new DatagramPacket(junk, query.sender()));
                return;
            }
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setRecursionAvailable(true);
            response.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(
                    question.name(), question.type()));
            List<Entry> known = records.get(name);
            switch (behaviour) {
                case NXDOMAIN -> response.setCode(DnsResponseCode.NXDOMAIN);
                case SERVFAIL -> response.setCode(DnsResponseCode.SERVFAIL);
                case REFUSED -> response.setCode(DnsResponseCode.REFUSED);
                case NOTIMP -> response.setCode(DnsResponseCode.NOTIMP);
                case TRUNCATED -> response.setTruncated(true);
                default -> {
                    if (known == null) {
                        response.setCode(DnsResponseCode.NXDOMAIN);
                    } else {
                        List<Entry> answers = new ArrayList<>();
                        for (Entry entry : known) {
                            if (entry.type() == question.type()) {
                                answers.add(entry);
                            }
                        }
                        if (answers.isEmpty()) {
                            for (Entry entry : known) {
                                if (entry.type() == DnsRecordType.CNAME) {
                                    answers.add(entry); // the alias; the client follows it
                                }
                            }
                        }
                        for (Entry entry : answers) {
                            ByteBuf content = Unpooled.buffer();
                            entry.content().accept(content);
                            response.addRecord(DnsSection.ANSWER,
                                    new DefaultDnsRawRecord(question.name(), entry.type(), entry.ttl(), content));
                        }
                    }
                }
            }
            ctx.writeAndFlush(response);
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
