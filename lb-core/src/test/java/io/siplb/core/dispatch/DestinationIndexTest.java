package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.siplb.core.net.AddressResolver;
import io.siplb.core.sip.SipUri;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class DestinationIndexTest {

    /** IP literals as they are; names from {@link #names}; every call counted by URI. */
    private final Map<String, InetSocketAddress> names = new HashMap<>();
    private final List<String> asked = new ArrayList<>();
    private final AddressResolver resolver = uri -> {
        asked.add(uri.text());
        InetSocketAddress literal = AddressResolver.LITERALS.resolve(uri);
        return literal != null ? literal : names.get(uri.host());
    };

    private static InetSocketAddress at(String host, int port) {
        return new InetSocketAddress(host, port);
    }

    @Test
    void aRefreshOfAListOfLiteralsResolvesNothingAndKeepsAnswering() {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:127.0.0.2:5060", "1 sip:127.0.0.3:5070");
        DestinationIndex index = DestinationIndex.refreshedByOwner(dispatcher, resolver);
        index.refresh();
        asked.clear();
        for (int i = 0; i < 3; i++) {
            index.refresh();
        }
        assertThat(asked).isEmpty();
        assertThat(index.at(at("127.0.0.3", 5070)).uri().text()).isEqualTo("sip:127.0.0.3:5070");
        assertThat(index.atHost(at("127.0.0.2", 0).getAddress()).uri().text()).isEqualTo("sip:127.0.0.2:5060");
    }

    @Test
    void aRefreshFollowsANameThatResolvesAnewAndANewList() throws Exception {
        names.put("pbx.example", at("127.0.0.5", 5060));
        Dispatcher dispatcher = Sets.dispatcher("1 sip:pbx.example:5060", "1 sip:127.0.0.2:5060");
        DestinationIndex index = DestinationIndex.refreshedByOwner(dispatcher, resolver);
        index.refresh();
        asked.clear();
        index.refresh();
        assertThat(asked).containsExactly("sip:pbx.example:5060"); // only the name is asked again
        assertThat(index.at(at("127.0.0.5", 5060)).uri().host()).isEqualTo("pbx.example");

        names.put("pbx.example", at("127.0.0.6", 5060));
        index.refresh();
        assertThat(index.at(at("127.0.0.5", 5060))).isNull();
        assertThat(index.at(at("127.0.0.6", 5060)).uri().host()).isEqualTo("pbx.example");

        dispatcher.load(DestinationListParser.parse("t.list", List.of("1 sip:127.0.0.7:5060")));
        assertThat(index.at(at("127.0.0.7", 5060))).isNotNull(); // the load's listener refreshed it
        assertThat(index.at(at("127.0.0.6", 5060))).isNull();
    }

    @Test
    void aRefreshFollowsChangedDnsTargets() {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:pbx.example");
        DestinationIndex index = DestinationIndex.refreshedByOwner(dispatcher, resolver);
        dispatcher.expand("sip:pbx.example", List.of(new DestinationTarget("a.pbx.example", at("127.0.0.8", 5060), "udp", 10, 1)));
        index.refresh();
        assertThat(index.at(at("127.0.0.8", 5060))).isNotNull();
        dispatcher.expand("sip:pbx.example", List.of(new DestinationTarget("b.pbx.example", at("127.0.0.9", 5060), "udp", 10, 1)));
        index.refresh();
        assertThat(index.at(at("127.0.0.8", 5060))).isNull();
        assertThat(index.at(at("127.0.0.9", 5060))).isNotNull();
    }

    @Test
    void theResolverIsToldTheSameUriListUntilAnotherListIsInForce() throws Exception {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:127.0.0.2", "2 sip:pbx.example");
        Supplier<List<SipUri>> uris = DestinationIndex.urisInForce(dispatcher);
        List<SipUri> first = uris.get();
        assertThat(first).extracting(SipUri::text).containsExactly("sip:127.0.0.2", "sip:pbx.example");
        assertThat(uris.get()).isSameAs(first);
        dispatcher.load(DestinationListParser.parse("t.list", List.of("1 sip:127.0.0.4")));
        assertThat(uris.get()).extracting(SipUri::text).containsExactly("sip:127.0.0.4");
    }
}
