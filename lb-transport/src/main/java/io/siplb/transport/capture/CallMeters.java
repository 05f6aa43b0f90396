package io.siplb.transport.capture;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.siplb.core.dispatch.Destination;
import io.siplb.core.proxy.CallObserver;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The figures an operator alerts on, per destination and per route: every attempt's outcome by
 * class ({@code siplb_destination_responses_total{set,uri,class}}: 1xx–6xx, timeout, unreachable,
 * unresolved), the time to each final response as a histogram
 * ({@code siplb_destination_response_seconds_bucket{set,uri,le}}, fixed buckets from 5 ms to 10 s),
 * and per route the failovers and the plans exhausted ({@code siplb_route_failovers_total{route}},
 * {@code siplb_route_exhausted_total{route}}). Meters are looked up once per destination object
 * and kept while it is in use; a destination a reload replaced keeps its series by set and URI.
 */
public final class CallMeters {
    /** Buckets an operator reads a SIP answer time against: T1 is 500 ms, a PBX answers in tens. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)};
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", "6xx"};

    private final MeterRegistry registry;
    private final Cache<Destination, DestinationMeters> destinations = Caffeine.newBuilder().weakKeys()
            .executor(Runnable::run).build();
    private final Map<String, Counter> failovers = new ConcurrentHashMap<>();
    private final Map<String, Counter> exhausted = new ConcurrentHashMap<>();

    public CallMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One destination's meters: a counter per outcome, a timer of final responses. */
    private final class DestinationMeters {
        final Counter[] byClass = new Counter[CLASSES.length];
        final Counter timeout;
        final Counter unreachable;
        final Counter unresolved;
        final Timer time;

        DestinationMeters(Destination d) {
            String set = Integer.toString(d.setId());
            String uri = d.uri().text();
            for (int i = 0; i < CLASSES.length; i++) {
                byClass[i] = counter(set, uri, CLASSES[i]);
            }
            timeout = counter(set, uri, "timeout");
            unreachable = counter(set, uri, "unreachable");
            unresolved = counter(set, uri, "unresolved");
            time = Timer.builder("siplb.destination.response").description("time from sending a request to its final response")
                    .tags("set", set, "uri", uri).serviceLevelObjectives(BUCKETS).register(registry);
        }

        private Counter counter(String set, String uri, String outcome) {
            return Counter.builder("siplb.destination.responses").description("attempts sent to a destination, by outcome")
                    .tags("set", set, "uri", uri, "class", outcome).register(registry);
        }
    }

    /** An attempt to {@code destination} ended with {@code status} ({@link CallObserver}'s codes too). */
    public void attempted(Destination destination, int status, long nanos) {
        if (destination == null) {
            return; // a dialog's next hop, not a destination of the list
        }
        DestinationMeters meters = destinations.get(destination, DestinationMeters::new);
        switch (status) {
            case CallObserver.TIMEOUT -> meters.timeout.increment();
            case CallObserver.UNREACHABLE -> meters.unreachable.increment();
            case CallObserver.UNRESOLVED -> meters.unresolved.increment();
            default -> {
                int index = status / 100 - 1;
                if (index >= 0 && index < CLASSES.length) {
                    meters.byClass[index].increment();
                }
                meters.time.record(nanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Registers the counters of {@code names} at zero, so that a rate over them exists from the start. */
    public void routes(Collection<String> names) {
        for (String name : names) {
            failoverCounter(name);
            exhaustedCounter(name);
        }
    }

    /** A request of {@code route} went on to another destination. */
    public void failedOver(String route) {
        if (route != null) {
            failoverCounter(route).increment();
        }
    }

    /** A request of {@code route} found no destination left to try. */
    public void exhausted(String route) {
        if (route != null) {
            exhaustedCounter(route).increment();
        }
    }

    private Counter failoverCounter(String route) {
        return failovers.computeIfAbsent(route, name -> Counter.builder("siplb.route.failovers")
                .description("attempts that failed over to the next destination, by route").tag("route", name)
                .register(registry));
    }

    private Counter exhaustedCounter(String route) {
        return exhausted.computeIfAbsent(route, name -> Counter.builder("siplb.route.exhausted")
                .description("requests whose plan ran out, by route").tag("route", name).register(registry));
    }
}
