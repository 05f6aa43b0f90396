package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.util.AsciiString;
import io.siplb.core.sip.SipMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SelectorTest {

    private static Destination host(Dispatcher dispatcher, String host) {
        for (Destination d : dispatcher.set(1).destinations()) {
            if (d.uri().host().equals(host)) {
                return d;
            }
        }
        throw new AssertionError("no " + host);
    }

    private static void down(Dispatcher dispatcher, String host) {
        dispatcher.markFailure(host(dispatcher, host), FailureMark.INACTIVE);
    }

    @Test
    void algorithmsAreNamedByKamailioNumberAndByName() {
        assertThat(Algorithm.parse("4")).isEqualTo(Algorithm.ROUND_ROBIN);
        assertThat(Algorithm.parse(" Round-Robin ")).isEqualTo(Algorithm.ROUND_ROBIN);
        assertThat(Algorithm.parse("13")).isEqualTo(Algorithm.LATENCY);
        assertThat(Algorithm.values()).extracting(Algorithm::number)
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1);
        assertThat(Algorithm.parse("free-capacity")).isEqualTo(Algorithm.FREE_CAPACITY);
        assertThatThrownBy(() -> Algorithm.parse("-1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Algorithm.parse("15")).isEqualTo(Algorithm.SRV);
        assertThat(Algorithm.parse("priority-round-robin")).isEqualTo(Algorithm.PRIORITY_ROUND_ROBIN);
        assertThatThrownBy(() -> Algorithm.parse("fastest"))
                .hasMessageStartingWith("'fastest' is not an algorithm: use one of 0 hash-callid, 1 hash-from");
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void everyAlgorithmSkipsInactiveAndDisabledAndHonoursTheLimit(Algorithm algorithm) {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:a 0 0 weight=1;rweight=1", "1 sip:b 4 0 weight=1;rweight=1",
                "1 sip:c 0 0 weight=1;rweight=1", "1 sip:d 0 0 weight=1;rweight=1");
        down(dispatcher, "c");
        Selector selector = algorithm.newSelector(Sets.options(HashMode.KAMAILIO));
        for (int i = 0; i < 50; i++) {
            TestRequest request = TestRequest.callId("call-" + i).from("sip:u" + i + "@x").to("sip:v@y")
                    .requestUri("sip:r" + i + "@z").header("X-Tenant", "t" + i);
            FailoverPlan all = selector.select(dispatcher.set(1), request, 0);
            assertThat(Sets.hosts(all)).as(algorithm + " plan").containsExactlyInAnyOrder("a", "d");
            FailoverPlan one = selector.select(dispatcher.set(1), request, 1);
            assertThat(one.size()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aSetWithNothingUsableGivesAnEmptyPlan(Algorithm algorithm) {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:a 1", "1 sip:b 4");
        FailoverPlan plan = algorithm.newSelector(Sets.options(HashMode.RENDEZVOUS))
                .select(dispatcher.set(1), TestRequest.callId("x").from("sip:a@b"), 0);
        assertThat(plan.isEmpty()).isTrue();
        assertThat(plan.next()).isNull();
    }

    @Test
    void roundRobinGivesEverySurvivorAnEqualShare() {
        Dispatcher dispatcher = Sets.uniform(4, "");
        Selector rr = Sets.selector(Algorithm.ROUND_ROBIN);
        DestinationSet set = dispatcher.set(1);
        List<String> firsts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            firsts.add(rr.select(set, TestRequest.callId("c"), 0).get(0).uri().host());
        }
        // set order is reverse file order for equal priorities
        assertThat(firsts).containsExactly("10.0.0.4", "10.0.0.3", "10.0.0.2", "10.0.0.1",
                "10.0.0.4", "10.0.0.3", "10.0.0.2", "10.0.0.1");
        down(dispatcher, "10.0.0.3");
        Map<String, Integer> counts = Sets.firstChoices(rr, set, 3000, i -> TestRequest.callId("c"));
        assertThat(counts).containsEntry("10.0.0.3", 0)
                .containsEntry("10.0.0.4", 1000).containsEntry("10.0.0.2", 1000).containsEntry("10.0.0.1", 1000);
        assertThat(Sets.hosts(rr.select(set, TestRequest.callId("c"), 0)))
                .containsExactly("10.0.0.4", "10.0.0.2", "10.0.0.1");
    }

    @Test
    void kamailioHashSendsADeadDestinationsWholeShareToItsNeighbour() {
        Dispatcher dispatcher = Sets.uniform(6, "");
        DestinationSet set = dispatcher.set(1);
        Selector hash = Algorithm.HASH_CALL_ID.newSelector(Sets.options(HashMode.KAMAILIO));
        Map<String, Integer> before = Sets.firstChoices(hash, set, 60_000, i -> TestRequest.callId("call-" + i));
        String dead = set.get(2).uri().host();
        String neighbour = set.get(3).uri().host();
        down(dispatcher, dead);
        Map<String, Integer> after = Sets.firstChoices(hash, set, 60_000, i -> TestRequest.callId("call-" + i));
        assertThat(after.get(dead)).isZero();
        assertThat(after.get(neighbour)).isEqualTo(before.get(neighbour) + before.get(dead));
        for (String other : after.keySet()) {
            if (!other.equals(dead) && !other.equals(neighbour)) {
                assertThat(after.get(other)).isEqualTo(before.get(other));
            }
        }
        assertThat(after.get(neighbour)).isGreaterThan(18_000); // about 2/6, against 1/6 for the rest
    }

    @Test
    void rendezvousSpreadsADeadDestinationsShareEvenlyAndMovesNoLiveKey() {
        Dispatcher dispatcher = Sets.uniform(6, "");
        DestinationSet set = dispatcher.set(1);
        Selector hash = Algorithm.HASH_CALL_ID.newSelector(Sets.options(HashMode.RENDEZVOUS));
        int calls = 60_000;
        Map<String, String> placed = new HashMap<>();
        for (int i = 0; i < calls; i++) {
            placed.put("call-" + i, hash.select(set, TestRequest.callId("call-" + i), 0).get(0).uri().host());
        }
        String dead = set.get(2).uri().host();
        down(dispatcher, dead);
        Map<String, Integer> after = Sets.firstChoices(hash, set, calls, i -> TestRequest.callId("call-" + i));
        assertThat(after.get(dead)).isZero();
        for (Map.Entry<String, Integer> share : after.entrySet()) {
            if (!share.getKey().equals(dead)) {
                assertThat(share.getValue() / (double) calls).as(share.getKey()).isCloseTo(0.2, within(0.2 * 0.2));
            }
        }
        for (int i = 0; i < calls; i++) {
            String key = "call-" + i;
            if (!placed.get(key).equals(dead)) {
                assertThat(hash.select(set, TestRequest.callId(key), 0).get(0).uri().host()).isEqualTo(placed.get(key));
            }
        }
    }

    @Test
    void rendezvousPlanIsTheUsableDestinationsByScore() {
        Dispatcher dispatcher = Sets.uniform(5, "");
        Selector hash = Algorithm.HASH_CALL_ID.newSelector(Sets.options(HashMode.RENDEZVOUS));
        FailoverPlan plan = hash.select(dispatcher.set(1), TestRequest.callId("abc"), 0);
        assertThat(new HashSet<>(Sets.hosts(plan))).hasSize(5);
        down(dispatcher, plan.get(0).uri().host());
        FailoverPlan after = hash.select(dispatcher.set(1), TestRequest.callId("abc"), 0);
        assertThat(Sets.hosts(after)).isEqualTo(Sets.hosts(plan).subList(1, 5)); // the runner-up takes over
    }

    @Test
    void sameKeySameDestinationAcrossEveryHashAlgorithm() {
        Dispatcher dispatcher = Sets.uniform(10, "");
        DestinationSet set = dispatcher.set(1);
        for (HashMode mode : HashMode.values()) {
            SelectorOptions options = Sets.options(mode);
            Selector from = Algorithm.HASH_FROM.newSelector(options);
            // display name, parameters and the default port do not matter; the user, host and others do
            String a = from.select(set, TestRequest.callId("1").from("sip:alice@atlanta.com"), 0).get(0).uri().host();
            assertThat(from.select(set, TestRequest.callId("2").from("sip:alice@ATLANTA.com:5060;transport=tcp"), 0)
                    .get(0).uri().host()).isEqualTo(a);
            Set<String> spread = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                spread.add(from.select(set, TestRequest.callId("x").from("sip:user" + i + "@atlanta.com"), 0)
                        .get(0).uri().host());
            }
            assertThat(spread.size()).isGreaterThan(5);
            Selector to = Algorithm.HASH_TO.newSelector(options);
            assertThat(to.select(set, TestRequest.callId("1").to("sip:bob@biloxi.com"), 0).get(0))
                    .isSameAs(to.select(set, TestRequest.callId("9").to("sip:bob@biloxi.com"), 0).get(0));
            Selector ruri = Algorithm.HASH_REQUEST_URI.newSelector(options);
            assertThat(ruri.select(set, TestRequest.callId("1").requestUri("sip:bob@biloxi.com:5070"), 0).get(0))
                    .isSameAs(ruri.select(set, TestRequest.callId("7").requestUri("sip:bob@biloxi.com:5070;x=y"), 0).get(0));
            Selector header = Algorithm.HASH_HEADER.newSelector(options);
            assertThat(header.select(set, TestRequest.callId("1").header("X-Tenant", " acme "), 0).get(0))
                    .isSameAs(header.select(set, TestRequest.callId("2").header("x-tenant", "acme"), 0).get(0));
            Selector callId = Algorithm.HASH_CALL_ID.newSelector(options);
            assertThat(callId.select(set, TestRequest.callId("k@h"), 0).get(0))
                    .isSameAs(callId.select(set, TestRequest.callId("k@h"), 0).get(0));
        }
    }

    @Test
    void hashAlgorithmsWithoutTheirKeyFallBackToRoundRobin() {
        Dispatcher dispatcher = Sets.uniform(3, "");
        DestinationSet set = dispatcher.set(1);
        for (Algorithm algorithm : List.of(Algorithm.HASH_CALL_ID, Algorithm.HASH_FROM, Algorithm.HASH_TO,
                Algorithm.HASH_REQUEST_URI, Algorithm.HASH_AUTH_USERNAME, Algorithm.HASH_HEADER)) {
            Selector selector = Sets.selector(algorithm);
            Map<String, Integer> counts = Sets.firstChoices(selector, set, 300, i -> new TestRequest());
            assertThat(counts.values()).as(algorithm.toString()).containsOnly(100);
        }
    }

    @Test
    void authUsernameComesFromDigestCredentials() {
        assertThat(SipRoutingRequest.digestUser(AsciiString.of(
                "Digest realm=\"atlanta.com\", username=\"alice@atlanta.com\", nonce=\"x\""))).isEqualTo("alice");
        assertThat(SipRoutingRequest.digestUser(AsciiString.of("Digest username = \"bob\""))).isEqualTo("bob");
        assertThat(SipRoutingRequest.digestUser(AsciiString.of("Digest xusername=\"no\""))).isNull();
        assertThat(SipRoutingRequest.digestUser(AsciiString.of("Digest username=\"open"))).isNull();
        assertThat(SipRoutingRequest.digestUser(null)).isNull();
        Dispatcher dispatcher = Sets.uniform(8, "");
        Selector auth = Sets.selector(Algorithm.HASH_AUTH_USERNAME);
        TestRequest alice = TestRequest.callId("1");
        alice.authUsername = "alice";
        Destination first = auth.select(dispatcher.set(1), alice, 0).get(0);
        for (int i = 0; i < 10; i++) {
            assertThat(auth.select(dispatcher.set(1), alice, 0).get(0)).isSameAs(first);
        }
    }

    @Test
    void headerHashNeedsItsHeaderConfigured() {
        assertThatThrownBy(() -> Algorithm.HASH_HEADER.newSelector(new SelectorOptions(HashMode.KAMAILIO, " ", new CallLoad())))
                .hasMessageContaining("siplb.dispatch.hash-header is required");
    }

    @Test
    void randomReachesEveryUsableDestination() {
        Dispatcher dispatcher = Sets.uniform(4, "");
        down(dispatcher, "10.0.0.1");
        Map<String, Integer> counts = Sets.firstChoices(Sets.selector(Algorithm.RANDOM), dispatcher.set(1), 4000,
                i -> new TestRequest());
        assertThat(counts.get("10.0.0.1")).isZero();
        assertThat(counts.get("10.0.0.2")).isGreaterThan(700); // 1/4 from random starts, plus 10.0.0.1's via the ring
        assertThat(counts.get("10.0.0.3")).isGreaterThan(700);
        assertThat(counts.get("10.0.0.4")).isGreaterThan(700);
    }

    @Test
    void priorityTakesTheHighestUsableThenTheRestInOrder() {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:low 0 1", "1 sip:high 0 9", "1 sip:mid 0 5");
        Selector priority = Sets.selector(Algorithm.PRIORITY);
        assertThat(Sets.hosts(priority.select(dispatcher.set(1), new TestRequest(), 0)))
                .containsExactly("high", "mid", "low");
        down(dispatcher, "high");
        assertThat(Sets.hosts(priority.select(dispatcher.set(1), new TestRequest(), 0))).containsExactly("mid", "low");
    }

    @Test
    void weightsSplitExactlyWithoutA100SlotTable() {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:a 0 0 weight=10", "1 sip:b 0 0 weight=30", "1 sip:c 0 0 weight=60");
        Map<String, Integer> counts = Sets.firstChoices(Sets.selector(Algorithm.WEIGHT), dispatcher.set(1), 100_000,
                i -> new TestRequest());
        assertThat(counts.get("a") / 100_000.0).isCloseTo(0.10, within(0.01));
        assertThat(counts.get("b") / 100_000.0).isCloseTo(0.30, within(0.01));
        assertThat(counts.get("c") / 100_000.0).isCloseTo(0.60, within(0.01));
        // interleaved, not in runs: no 20 requests in a row go to c
        Selector weight = Sets.selector(Algorithm.WEIGHT);
        int run = 0;
        int longest = 0;
        for (int i = 0; i < 1000; i++) {
            run = weight.select(dispatcher.set(1), new TestRequest(), 0).get(0).uri().host().equals("c") ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        assertThat(longest).isLessThan(20);
    }

    @Test
    void thirtyEqualWeightsEachGetAThirtieth() {
        Dispatcher dispatcher = Sets.uniform(30, "weight=7;rweight=7");
        for (Algorithm algorithm : List.of(Algorithm.WEIGHT, Algorithm.RELATIVE_WEIGHT)) {
            Map<String, Integer> counts = Sets.firstChoices(Sets.selector(algorithm), dispatcher.set(1), 100_000,
                    i -> new TestRequest());
            for (int share : counts.values()) {
                assertThat(share / 100_000.0).as(algorithm.toString()).isCloseTo(1 / 30.0, within(0.01));
            }
        }
    }

    @Test
    void relativeWeightsAreRecomputedOverUsableDestinations() {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:a 0 0 rweight=20", "1 sip:b 0 0 rweight=30", "1 sip:c 0 0 rweight=50");
        down(dispatcher, "c");
        Map<String, Integer> counts = Sets.firstChoices(Sets.selector(Algorithm.RELATIVE_WEIGHT), dispatcher.set(1),
                100_000, i -> new TestRequest());
        assertThat(counts.get("c")).isZero();
        assertThat(counts.get("a") / 100_000.0).isCloseTo(0.4, within(0.01));
        assertThat(counts.get("b") / 100_000.0).isCloseTo(0.6, within(0.01));
    }

    /**
     * Loads reported in probe replies ({@code X-FS-Calls}, with a capacity): free capacity shares
     * exactly by capacity less load, and a destination whose reported calls rise gets fewer; call
     * load (10) takes the least loaded below its reported capacity; a stale report no longer counts.
     */
    @Test
    void reportedLoadsDecideFreeCapacityAndCallLoad() {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:a 0 0", "1 sip:b 0 0", "1 sip:c 0 0");
        long minute = Duration.ofMinutes(1).toNanos();
        dispatcher.report(find(dispatcher, "a"), 10, 100, minute); // 90 free
        dispatcher.report(find(dispatcher, "b"), 70, 100, minute); // 30 free
        dispatcher.report(find(dispatcher, "c"), 100, 100, minute); // full
        Map<String, Integer> counts = Sets.firstChoices(Sets.selector(Algorithm.FREE_CAPACITY), dispatcher.set(1),
                120_000, i -> new TestRequest());
        assertThat(counts).containsEntry("a", 90_000).containsEntry("b", 30_000).containsEntry("c", 0);

        dispatcher.report(find(dispatcher, "a"), 70, 100, minute); // a's calls rise: it gets fewer
        counts = Sets.firstChoices(Sets.selector(Algorithm.FREE_CAPACITY), dispatcher.set(1), 60_000, i -> new TestRequest());
        assertThat(counts).containsEntry("a", 30_000).containsEntry("b", 30_000).containsEntry("c", 0);

        TestRequest invite = TestRequest.callId("x").method(SipMethod.INVITE);
        dispatcher.report(find(dispatcher, "b"), 20, 100, minute);
        assertThat(Sets.selector(Algorithm.CALL_LOAD).select(dispatcher.set(1), invite, 0).get(0).uri().host()).isEqualTo("b");
        dispatcher.report(find(dispatcher, "b"), 20, 20, minute); // full by its own word: the next least loaded
        assertThat(Sets.selector(Algorithm.CALL_LOAD).select(dispatcher.set(1), invite, 0).get(0).uri().host()).isEqualTo("a");
        dispatcher.report(find(dispatcher, "b"), 20, 20, -1); // stale: b counts as this node sees it, 0 calls
        assertThat(find(dispatcher, "b").load()).isZero();
        assertThat(Sets.selector(Algorithm.CALL_LOAD).select(dispatcher.set(1), invite, 0).get(0).uri().host()).isEqualTo("b");
    }

    private static Destination find(Dispatcher dispatcher, String host) {
        return dispatcher.find(1, "sip:" + host).orElseThrow();
    }

    @Test
    void zeroWeightsFallBackToRoundRobin() {
        Dispatcher dispatcher = Sets.uniform(3, "");
        for (Algorithm algorithm : List.of(Algorithm.WEIGHT, Algorithm.RELATIVE_WEIGHT)) {
            assertThat(Sets.firstChoices(Sets.selector(algorithm), dispatcher.set(1), 300, i -> new TestRequest())
                    .values()).containsOnly(100);
        }
    }

    @Test
    void callLoadPicksTheLeastLoadedBelowMaxloadAndReleasesOnEndOrExpiry() {
        AtomicLong nanos = new AtomicLong();
        Ticker ticker = nanos::get;
        CallLoad load = new CallLoad(Duration.ofMinutes(5), Duration.ofHours(2), ticker);
        Dispatcher dispatcher = Sets.dispatcher("1 sip:a 0 0 duid=a;maxload=2", "1 sip:b 0 0 duid=b;maxload=1");
        Selector selector = Algorithm.CALL_LOAD.newSelector(new SelectorOptions(HashMode.KAMAILIO, null, load));
        DestinationSet set = dispatcher.set(1);
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            FailoverPlan plan = selector.select(set, TestRequest.callId("c" + i), 0);
            if (plan.isEmpty()) {
                placed.add("refused");
                continue;
            }
            placed.add(plan.get(0).uri().host());
            load.acquire("c" + i, plan.get(0));
        }
        // set order is b, a (later line first); ties go to the first in set order
        assertThat(placed).containsExactly("b", "a", "a", "refused");
        assertThat(host(dispatcher, "a").load()).isEqualTo(2);
        // an in-dialog request of a counted call goes to its destination
        assertThat(selector.select(set, TestRequest.callId("c1").method(SipMethod.BYE), 0).get(0).uri().host())
                .isEqualTo("a");
        load.release("c1");
        assertThat(host(dispatcher, "a").load()).isEqualTo(1);
        load.confirm("c2");
        nanos.addAndGet(Duration.ofMinutes(6).toNanos());
        load.cleanUp();
        assertThat(host(dispatcher, "b").load()).isZero(); // c0 never confirmed: expired
        assertThat(host(dispatcher, "a").load()).isEqualTo(1); // c2 confirmed: kept
        nanos.addAndGet(Duration.ofHours(2).toNanos());
        load.cleanUp();
        assertThat(host(dispatcher, "a").load()).isZero();
        assertThat(load.size()).isZero();
    }

    /**
     * In a cluster the other nodes' published calls count against maxload too: a destination full
     * by the others' counts is skipped; their share cleared, it takes calls again. This node's
     * own count stays apart ({@link Destination#localLoad()}), and is what it publishes.
     */
    @Test
    void callLoadCountsTheOtherNodesCallsAgainstMaxload() {
        CallLoad load = new CallLoad();
        Dispatcher dispatcher = Sets.dispatcher("1 sip:a 0 0 duid=a;maxload=3", "1 sip:b 0 0 duid=b;maxload=3");
        Selector selector = Algorithm.CALL_LOAD.newSelector(new SelectorOptions(HashMode.KAMAILIO, null, load));
        dispatcher.remoteLoads(Map.of("1 duid b", 3, "1 duid a", 1, "9 duid gone", 5));
        assertThat(host(dispatcher, "b").load()).isEqualTo(3);
        assertThat(host(dispatcher, "b").localLoad()).isZero();
        FailoverPlan plan = selector.select(dispatcher.set(1), TestRequest.callId("c1"), 0);
        assertThat(Sets.hosts(plan)).containsExactly("a"); // b is full with the others' calls
        load.acquire("c1", plan.get(0));
        assertThat(dispatcher.localLoads()).containsExactly(Map.entry("1 duid a", 1));
        load.acquire("c2", host(dispatcher, "a"));
        assertThat(selector.select(dispatcher.set(1), TestRequest.callId("c3"), 0).isEmpty())
                .as("a: 2 here + 1 elsewhere = 3 = maxload; b full").isTrue();
        dispatcher.remoteLoads(Map.of()); // the others' shares expired
        assertThat(host(dispatcher, "b").load()).isZero();
        assertThat(Sets.hosts(selector.select(dispatcher.set(1), TestRequest.callId("c3"), 0))).startsWith("b");
        // a reload that keeps the destination keeps both counts' homes
        dispatcher.remoteLoads(Map.of("1 duid b", 2));
        dispatcher.load(dispatcher.definitions());
        assertThat(host(dispatcher, "b").remoteLoad()).isEqualTo(2);
        assertThat(host(dispatcher, "a").localLoad()).isEqualTo(2);
    }

    @Test
    void callLoadMovesACallThatFailsOver() {
        CallLoad load = new CallLoad();
        Dispatcher dispatcher = Sets.dispatcher("1 sip:a", "1 sip:b");
        load.acquire("x", host(dispatcher, "a"));
        load.acquire("x", host(dispatcher, "a")); // retransmission: counted once
        assertThat(host(dispatcher, "a").load()).isEqualTo(1);
        load.acquire("x", host(dispatcher, "b"));
        assertThat(host(dispatcher, "a").load()).isZero();
        assertThat(host(dispatcher, "b").load()).isEqualTo(1);
        assertThat(load.destinationOf("x")).isSameAs(host(dispatcher, "b"));
    }

    @Test
    void parallelTakesEveryUsableDestinationAtOnce() {
        Dispatcher dispatcher = Sets.uniform(4, "");
        down(dispatcher, "10.0.0.2");
        FailoverPlan plan = Sets.selector(Algorithm.PARALLEL).select(dispatcher.set(1), new TestRequest(), 0);
        assertThat(plan.parallel()).isTrue();
        assertThat(Sets.hosts(plan)).containsExactly("10.0.0.4", "10.0.0.3", "10.0.0.1");
    }

    @Test
    void latencyLowersPriorityAndRotatesAmongTheBest() {
        Dispatcher dispatcher = Sets.dispatcher("1 sip:slow 0 10", "1 sip:fast1 0 10", "1 sip:fast2 0 10", "1 sip:backup 0 2");
        for (int i = 0; i < 20; i++) {
            host(dispatcher, "slow").latency().record(200); // 10 - 200/10 -> floor 1
            host(dispatcher, "fast1").latency().record(5);
            host(dispatcher, "fast2").latency().record(8);
        }
        assertThat(LatencySelector.adjustedPriority(host(dispatcher, "slow"))).isEqualTo(1);
        assertThat(LatencySelector.adjustedPriority(host(dispatcher, "fast1"))).isEqualTo(10);
        Selector latency = Sets.selector(Algorithm.LATENCY);
        Map<String, Integer> counts = Sets.firstChoices(latency, dispatcher.set(1), 1000, i -> new TestRequest());
        assertThat(counts).containsEntry("fast1", 500).containsEntry("fast2", 500)
                .containsEntry("slow", 0).containsEntry("backup", 0);
        List<String> plan = Sets.hosts(latency.select(dispatcher.set(1), new TestRequest(), 0));
        assertThat(plan.subList(2, 4)).containsExactly("backup", "slow");
    }

    @Test
    void planWalksOnceAndCountsWhatItHandedOut() {
        Dispatcher dispatcher = Sets.uniform(3, "");
        FailoverPlan plan = Sets.selector(Algorithm.PRIORITY).select(dispatcher.set(1), new TestRequest(), 2);
        assertThat(plan.size()).isEqualTo(2);
        assertThat(plan.next()).isNotNull();
        assertThat(plan.next()).isNotNull();
        assertThat(plan.next()).isNull();
        assertThat(plan.tried()).isEqualTo(2);
        assertThatThrownBy(() -> plan.get(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"HASH_CALL_ID", "HASH_FROM", "HASH_TO", "HASH_REQUEST_URI",
        "ROUND_ROBIN", "HASH_AUTH_USERNAME", "RANDOM", "HASH_HEADER", "PRIORITY", "WEIGHT", "RELATIVE_WEIGHT"})
    void ringAlgorithmsFallBackAroundTheSetFromTheChosenOne(Algorithm algorithm) {
        Dispatcher dispatcher = Sets.uniform(6, "weight=1;rweight=1");
        down(dispatcher, "10.0.0.2");
        DestinationSet set = dispatcher.set(1);
        List<String> ring = new ArrayList<>();
        for (Destination d : set.destinations()) {
            ring.add(d.uri().host());
        }
        Selector selector = Sets.selector(algorithm);
        for (int i = 0; i < 40; i++) {
            TestRequest request = TestRequest.callId("c" + i).from("sip:f" + i + "@x").to("sip:t" + i + "@y")
                    .requestUri("sip:r" + i + "@z").header("X-Tenant", "t" + i);
            request.authUsername = "u" + i;
            List<String> plan = Sets.hosts(selector.select(set, request, 0));
            int start = ring.indexOf(plan.get(0));
            List<String> expected = new ArrayList<>();
            for (int step = 0; step < ring.size(); step++) {
                String host = ring.get((start + step) % ring.size());
                if (!host.equals("10.0.0.2")) {
                    expected.add(host);
                }
            }
            assertThat(plan).as(algorithm + " request " + i).isEqualTo(expected);
        }
    }

    @Test
    void algorithm14IsRoundRobinWhileEveryPriorityIsEqual() {
        Dispatcher equal = Sets.dispatcher("1 sip:a 0 5", "1 sip:b 0 5", "1 sip:c 0 5");
        Selector selector = Algorithm.PRIORITY_ROUND_ROBIN.newSelector(Sets.options(HashMode.KAMAILIO));
        Map<String, Integer> first = new TreeMap<>();
        for (int i = 0; i < 300; i++) {
            first.merge(Sets.hosts(selector.select(equal.set(1), TestRequest.callId("c" + i), 0)).get(0), 1,
                    Integer::sum);
        }
        assertThat(first).containsExactly(Map.entry("a", 100), Map.entry("b", 100),
                Map.entry("c", 100));
    }

    @Test
    void algorithm14IsSerialByPriorityOtherwise() {
        Dispatcher mixed = Sets.dispatcher("1 sip:backup 0 1", "1 sip:primary 0 9", "1 sip:second 0 5");
        Selector selector = Algorithm.PRIORITY_ROUND_ROBIN.newSelector(Sets.options(HashMode.KAMAILIO));
        for (int i = 0; i < 20; i++) {
            assertThat(Sets.hosts(selector.select(mixed.set(1), TestRequest.callId("c" + i), 0)))
                    .containsExactly("primary", "second", "backup");
        }
        down(mixed, "primary");
        assertThat(Sets.hosts(selector.select(mixed.set(1), TestRequest.callId("x"), 0)))
                .containsExactly("second", "backup");
    }

    @Test
    void algorithm15TriesTheLowestPriorityFirstAndSplitsItByWeight() {
        // SRV order: priority 10 before 20; within 10, weights 60/30/10
        Dispatcher srv = Sets.dispatcher("1 sip:a 0 10 weight=60", "1 sip:b 0 10 weight=30",
                "1 sip:c 0 10 weight=10", "1 sip:backup 0 20 weight=5");
        Selector selector = Algorithm.SRV.newSelector(Sets.options(HashMode.KAMAILIO));
        Map<String, Integer> first = new TreeMap<>();
        int picks = 100_000;
        for (int i = 0; i < picks; i++) {
            List<String> plan = Sets.hosts(selector.select(srv.set(1), TestRequest.callId("c" + i), 0));
            assertThat(plan).hasSize(4).endsWith("backup");
            assertThat(plan.subList(0, 3)).containsExactlyInAnyOrder("a", "b", "c");
            first.merge(plan.get(0), 1, Integer::sum);
        }
        // RFC 2782 draws 0..sum inclusive, so the first in the group also takes the draw of 0: one
        // share may be up to 1/101 (1 %) above its weight; 1.5 points is that plus over 4 sigma
        assertThat(first.get("a") * 100.0 / picks).isCloseTo(60, Offset.offset(1.5));
        assertThat(first.get("b") * 100.0 / picks).isCloseTo(30, Offset.offset(1.5));
        assertThat(first.get("c") * 100.0 / picks).isCloseTo(10, Offset.offset(1.5));
    }

    @Test
    void algorithm15MovesToTheNextPriorityWhenTheFirstIsDownAndGivesWeightZeroASmallChance() {
        Dispatcher srv = Sets.dispatcher("1 sip:a 0 10 weight=50", "1 sip:zero 0 10", "1 sip:b 0 20 weight=1");
        Selector selector = Algorithm.SRV.newSelector(Sets.options(HashMode.KAMAILIO));
        int zeroFirst = 0;
        for (int i = 0; i < 10_000; i++) {
            if (Sets.hosts(selector.select(srv.set(1), TestRequest.callId("c" + i), 0)).get(0).equals("zero")) {
                zeroFirst++;
            }
        }
        assertThat(zeroFirst).isBetween(50, 500); // 1 in 51 by RFC 2782's rule: about 196
        down(srv, "a");
        down(srv, "zero");
        assertThat(Sets.hosts(selector.select(srv.set(1), TestRequest.callId("x"), 0))).containsExactly("b");
    }
}
