package io.siplb.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.net.AddressResolver;
import io.siplb.core.route.Router;
import io.siplb.core.route.Routes;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import io.siplb.core.sip.SipUri;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A proxy on 127.0.0.1:5060 in virtual time, a UAC at 127.0.0.1:5061 and destinations at
 * 127.0.0.1:6001… (set 1), all through a recording network.
 */
final class ProxyHarness {
    static final InetSocketAddress UAC = new InetSocketAddress("127.0.0.1", 5061);

    final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    final Network network = new Network();
    final Dispatcher dispatcher = new Dispatcher();
    final ProxyTables tables;
    final SipProxy proxy;
    final ProxySettings settings;
    private int cseq = 1;

    ProxyHarness(int destinations) {
        this(destinations, UnaryOperator.identity());
    }

    ProxyHarness(int destinations, UnaryOperator<ProxySettings> tune) {
        this(destinations, tune, null);
    }

    /** @param routes {@code siplb.routes} and {@code siplb.route.*} keys, or {@code null} for none */
    ProxyHarness(int destinations, UnaryOperator<ProxySettings> tune, Map<String, String> routes) {
        String[] lines = new String[destinations];
        for (int i = 0; i < destinations; i++) {
            lines[i] = "1 sip:127.0.0.1:" + (6001 + i) + " 0 " + (destinations - i); // file order = set order
        }
        try {
            dispatcher.load(DestinationListParser.parse("test.list", Arrays.asList(lines)));
        } catch (DestinationListException e) {
            throw new AssertionError(e);
        }
        settings = tune.apply(ProxySettings.defaults("127.0.0.1", 5060));
        Ticker ticker = () -> clock.now(TimeUnit.NANOSECONDS);
        tables = new ProxyTables(settings, ticker);
        if (routes == null) {
            proxy = new SipProxy(settings, dispatcher, tables, network, clock, AddressResolver.LITERALS,
                    uri -> uri.host().equals("127.0.0.1") && AddressResolver.port(uri) == 5060, 0);
        } else {
            Router router = Routes.from(
                    new ConfigValues(routes), id -> dispatcher.set(id) != null, tables.callLoad());
            proxy = new SipProxy(settings, dispatcher, tables, network, clock, AddressResolver.LITERALS,
                    uri -> uri.host().equals("127.0.0.1") && AddressResolver.port(uri) == 5060, 0, () -> router,
                    "udp:127.0.0.1:5060");
        }
    }

    /** Delivers {@code text} (lines joined with CRLF) from {@code source}. */
    void send(String text, InetSocketAddress source) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        proxy.transactions().receive(SipParser.DEFAULT.parse(bytes, bytes.length), source);
    }

    void deliver(SipMessage message, InetSocketAddress source) {
        byte[] bytes = message.toByteArray();
        proxy.transactions().receive(SipParser.DEFAULT.parse(bytes, bytes.length), source);
    }

    /** The destination on {@code port} answers {@code request} (as it received it) with {@code status}. */
    SipMessage answer(SipMessage request, int status, String toTag, int port) {
        SipMessage response = MessageFactory.response(request, status, "Status " + status, toTag);
        deliver(response, new InetSocketAddress("127.0.0.1", port));
        return response;
    }

    /** Takes the request forwarded to destination {@code port}. */
    SipMessage forwardedTo(int port, String method) {
        return network.take(port, Network.method(method));
    }

    String invite(String callId) {
        return request("INVITE", callId, null, "z9hG4bK-" + callId + "-" + cseq, cseq++);
    }

    String request(String method, String callId, String toTag, String branch, int number, String... extra) {
        StringBuilder text = new StringBuilder()
                .append(method).append(" sip:service@127.0.0.1:5060 SIP/2.0\r\n")
                .append("Via: SIP/2.0/UDP 127.0.0.1:5061;branch=").append(branch).append("\r\n")
                .append("From: sipp <sip:sipp@127.0.0.1:5061>;tag=caller\r\n")
                .append("To: <sip:service@127.0.0.1:5060>").append(toTag == null ? "" : ";tag=" + toTag).append("\r\n")
                .append("Call-ID: ").append(callId).append("\r\n")
                .append("CSeq: ").append(number).append(' ').append(method).append("\r\n")
                .append("Contact: <sip:sipp@127.0.0.1:5061>\r\n")
                .append("Max-Forwards: 70\r\n");
        for (String header : extra) {
            text.append(header).append("\r\n");
        }
        return text.append("Content-Length: 0\r\n\r\n").toString();
    }

    void advance(Duration by) {
        clock.advanceTimeBy(by);
    }

    static boolean isLocal(SipUri uri) {
        return uri.host().equals("127.0.0.1") && AddressResolver.port(uri) == 5060;
    }

    static SipMessage parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return ((ParseResult.Parsed) SipParser.DEFAULT.parse(bytes, bytes.length)).message();
    }
}
