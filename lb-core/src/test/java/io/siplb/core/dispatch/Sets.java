package io.siplb.core.dispatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/** Builds dispatchers from list-file lines, and counts where selections go. */
final class Sets {
    private Sets() {
    }

    static Dispatcher dispatcher(String... lines) {
        Dispatcher dispatcher = new Dispatcher();
        try {
            dispatcher.load(DestinationListParser.parse("test.list", Arrays.asList(lines)));
        } catch (DestinationListException e) {
            throw new AssertionError(e);
        }
        return dispatcher;
    }

    /** Set 1 with {@code n} destinations sip:10.0.0.1 … sip:10.0.0.n, priority 0, in file order. */
    static Dispatcher uniform(int n, String attrs) {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add("1 sip:10.0.0." + i + ":5060 0 0 " + attrs);
        }
        return dispatcher(lines.toArray(String[]::new));
    }

    static SelectorOptions options(HashMode mode) {
        return new SelectorOptions(mode, "X-Tenant", new CallLoad());
    }

    static Selector selector(Algorithm algorithm) {
        return algorithm.newSelector(options(HashMode.KAMAILIO));
    }

    /** How often each destination (by host) comes first in {@code count} selections. */
    static Map<String, Integer> firstChoices(Selector selector, DestinationSet set, int count,
            IntFunction<RoutingRequest> request) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < set.size(); i++) {
            counts.put(set.get(i).uri().host(), 0);
        }
        for (int i = 0; i < count; i++) {
            FailoverPlan plan = selector.select(set, request.apply(i), 0);
            counts.merge(plan.get(0).uri().host(), 1, Integer::sum);
        }
        return counts;
    }

    static List<String> hosts(FailoverPlan plan) {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            hosts.add(plan.get(i).uri().host());
        }
        return hosts;
    }
}
