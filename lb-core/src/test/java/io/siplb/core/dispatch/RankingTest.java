package io.siplb.core.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ranking's order — key descending, ties in offer order, the first {@code rotate} rotated by
 * the turn, cut at the limit — against a plain reference, for sets up to 1 000 with many ties,
 * every limit from 1 to past the set's size and 0 (all).
 */
class RankingTest {

    private static List<String> reference(List<Destination> offered, long[] keys, int limit, int rotate, long turn) {
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < offered.size(); i++) {
            positions.add(i);
        }
        positions.sort((a, b) -> Long.compare(keys[b], keys[a])); // List.sort is stable: ties keep offer order
        int shift = rotate <= 1 ? 0 : (int) Math.floorMod(turn, (long) rotate);
        int cap = limit <= 0 ? offered.size() : Math.min(limit, offered.size());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < cap; i++) {
            out.add(offered.get(positions.get(i < rotate ? (i + shift) % rotate : i)).uri().host());
        }
        return out;
    }

    @Test
    void theOrderIsKeyDescendingThenOfferOrderAtEverySizeAndLimit() {
        Random random = new Random(42);
        for (int n : new int[] {1, 2, 3, 10, 17, 64, 100, 1000}) {
            Dispatcher dispatcher = Sets.uniform(Math.min(n, 250), "");
            List<Destination> pool = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                pool.add(dispatcher.set(1).get(i % dispatcher.set(1).size()));
            }
            for (int spread : new int[] {1, 3, n, Integer.MAX_VALUE}) { // few distinct keys: many ties
                long[] keys = new long[n];
                for (int i = 0; i < n; i++) {
                    keys[i] = spread == Integer.MAX_VALUE ? random.nextLong() >>> 1 : random.nextInt(spread);
                }
                for (int limit : new int[] {0, 1, 2, 3, 15, 16, 17, 100, n, n + 5}) {
                    Ranking ranking = Ranking.start(n);
                    for (int i = 0; i < n; i++) {
                        ranking.offer(pool.get(i), keys[i]);
                    }
                    assertThat(Sets.hosts(ranking.toPlan(limit, 0, 0))).as("n=%d spread=%d limit=%d", n, spread, limit)
                            .isEqualTo(reference(pool, keys, limit, 0, 0));
                    Ranking rotating = Ranking.start(n);
                    for (int i = 0; i < n; i++) {
                        rotating.offer(pool.get(i), keys[i]);
                    }
                    int top = rotating.topTies();
                    long turn = random.nextInt(1000);
                    assertThat(Sets.hosts(rotating.toPlan(limit, top, turn)))
                            .as("rotated n=%d spread=%d limit=%d", n, spread, limit)
                            .isEqualTo(reference(pool, keys, limit, top, turn));
                }
            }
        }
    }

    @Test
    void aLazyRendezvousPlanRanksItsTailAsAWholePlanWouldHave() {
        for (int n : new int[] {1, 2, 3, 5, 250}) {
            Dispatcher dispatcher = Sets.uniform(n, "");
            DestinationSet set = dispatcher.set(1);
            Selector rendezvous = Algorithm.HASH_CALL_ID.newSelector(Sets.options(HashMode.RENDEZVOUS));
            for (int limit : new int[] {0, 1, 2, 3, 10}) {
                for (int call = 0; call < 20; call++) {
                    RoutingRequest request = TestRequest.callId("lazy-" + call);
                    FailoverPlan walked = rendezvous.select(set, request, limit);
                    FailoverPlan whole = rendezvous.select(set, request, limit);
                    List<String> byGet = Sets.hosts(whole); // get(i): the tail ranked at once
                    List<String> byNext = new ArrayList<>();
                    int size = walked.size();
                    for (Destination d = walked.next(); d != null; d = walked.next()) {
                        byNext.add(d.uri().host());
                    }
                    assertThat(byNext).as("n=%d limit=%d", n, limit).isEqualTo(byGet).hasSize(size);
                    assertThat(size).isEqualTo(limit == 0 ? n : Math.min(limit, n));
                }
            }
            // a destination that went down before the tail is ranked is left out of it
            FailoverPlan plan = rendezvous.select(set, TestRequest.callId("down-later"), 0);
            Destination first = plan.next();
            Destination second = plan.next();
            if (n > 3) {
                FailoverPlan reference = rendezvous.select(set, TestRequest.callId("down-later"), 0);
                Destination third = reference.get(2);
                dispatcher.markFailure(third, FailureMark.INACTIVE);
                List<Destination> rest = new ArrayList<>();
                for (Destination d = plan.next(); d != null; d = plan.next()) {
                    rest.add(d);
                }
                assertThat(rest).doesNotContain(third, first, second).hasSize(n - 3);
                dispatcher.setState(third, DestinationState.ACTIVE);
            }
        }
    }

    /**
     * A rendezvous plan, head found in one pass and tail ranked later, is the usable destinations
     * by their score for the key, highest first, as a plain sort of the scores gives it.
     */
    @Test
    void aRendezvousPlanIsTheUsableDestinationsInScoreOrder() {
        for (int n : new int[] {1, 2, 3, 250}) {
            Dispatcher dispatcher = Sets.uniform(n, "");
            DestinationSet set = dispatcher.set(1);
            for (int i = 1; i < n; i += 4) {
                dispatcher.markFailure(set.get(i), FailureMark.INACTIVE);
            }
            Selector rendezvous = Algorithm.HASH_CALL_ID.newSelector(Sets.options(HashMode.RENDEZVOUS));
            for (int call = 0; call < 50; call++) {
                String callId = "score-" + call;
                long hash = Hashing.finish(HashSelector.textHash(callId));
                List<Destination> usable = set.destinations().stream().filter(Destination::usable).toList();
                long[] keys = new long[usable.size()];
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = Hashing.score(hash, usable.get(i).uriHash()) >>> 1;
                }
                for (int limit : new int[] {0, 1, 2, 3}) {
                    FailoverPlan plan = rendezvous.select(set, TestRequest.callId(callId), limit);
                    assertThat(Sets.hosts(plan)).as("n=%d call=%d limit=%d", n, call, limit)
                            .isEqualTo(reference(usable, keys, limit, 0, 0));
                }
            }
        }
    }

    @Test
    void aLargeSetsRingPlanWalksItsTailAsAWholePlanWould() {
        Dispatcher dispatcher = Sets.uniform(200, "");
        DestinationSet set = dispatcher.set(1);
        for (int i = 0; i < 200; i += 7) {
            dispatcher.markFailure(set.get(i), FailureMark.INACTIVE);
        }
        for (int first : new int[] {0, 1, 6, 7, 199}) {
            for (int limit : new int[] {0, 1, 2, 3, 50}) {
                FailoverPlan lazy = FailoverPlan.ring(set, first, limit);
                List<String> walked = new ArrayList<>();
                int size = lazy.size();
                for (Destination d = lazy.next(); d != null; d = lazy.next()) {
                    walked.add(d.uri().host());
                }
                List<String> expected = new ArrayList<>();
                for (int step = 0; step < 200; step++) {
                    Destination d = set.get((first + step) % 200);
                    if (d.usable() && (limit == 0 || expected.size() < limit)) {
                        expected.add(d.uri().host());
                    }
                }
                assertThat(walked).as("first=%d limit=%d", first, limit).isEqualTo(expected).hasSize(size);
            }
        }
    }
}
