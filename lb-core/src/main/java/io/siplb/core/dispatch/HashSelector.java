package io.siplb.core.dispatch;

import io.siplb.core.sip.AbsoluteUri;
import io.siplb.core.sip.SipUri;
import io.siplb.core.sip.TelUri;
import io.siplb.core.sip.Uri;
import java.util.Locale;

/**
 * The rule every hash algorithm shares once it has its key.
 *
 * <ul>
 *   <li>{@link HashMode#KAMAILIO}: the destination at {@code hash mod n}, or the next usable one
 *       after it; the plan goes on around the set from there.</li>
 *   <li>{@link HashMode#RENDEZVOUS}: every usable destination scores the key; the plan is the
 *       usable destinations by score, highest first.</li>
 * </ul>
 *
 * <p>When the key is absent (no Call-ID, no credentials, no such header) the request is sent
 * round-robin instead: Kamailio fails the selection for some of these, which costs the call.
 */
abstract class HashSelector implements Selector {
    private final HashMode mode;
    private final RoundRobinSelector fallback = new RoundRobinSelector();

    HashSelector(HashMode mode) {
        this.mode = mode;
    }

    /**
     * The hash of the request's key (before {@link Hashing#finish}), or {@link #NO_KEY} when the
     * request has none.
     */
    abstract long keyHash(RoutingRequest request);

    static final long NO_KEY = 0;

    @Override
    public final FailoverPlan select(DestinationSet set, RoutingRequest request, int limit) {
        long raw = keyHash(request);
        if (raw == NO_KEY) {
            return fallback.select(set, request, limit);
        }
        long hash = Hashing.finish(raw);
        return mode == HashMode.KAMAILIO
                ? FailoverPlan.ring(set, Hashing.index(hash, set.size()), limit)
                : rendezvous(set, hash, limit);
    }

    /**
     * Rendezvous: the usable destinations by score. Only the first {@link FailoverPlan#HEAD} (two)
     * places are found when the request is selected, in one pass over the set's usable view; the
     * rest, scored again from the same hash (a score does not change), when a failover reaches past
     * them — a set of 1 000 ranked whole on every call cost more than the call. Equal scores keep
     * set order, as a whole ranking would.
     */
    private static FailoverPlan rendezvous(DestinationSet set, long hash, int limit) {
        UsableView usable = set.usable();
        int best = -1;
        int second = -1;
        long bestScore = -1;
        long secondScore = -1;
        for (int i = 0, n = usable.size(); i < n; i++) {
            long score = score(hash, usable.uriHash(i));
            if (score > bestScore) {
                second = best;
                secondScore = bestScore;
                best = i;
                bestScore = score;
            } else if (score > secondScore) {
                second = i;
                secondScore = score;
            }
        }
        int planned = FailoverPlan.capacity(usable.size(), limit);
        Destination[] head = new Destination[Math.min(planned, FailoverPlan.HEAD)];
        if (head.length > 0) {
            head[0] = usable.get(best);
        }
        if (head.length > 1) {
            head[1] = usable.get(second);
        }
        return new FailoverPlan(head, head.length, planned, rest -> offerScores(rest, set.usable(), hash));
    }

    private static void offerScores(Ranking ranking, UsableView usable, long hash) {
        for (int i = 0, n = usable.size(); i < n; i++) {
            ranking.offer(usable.get(i), score(hash, usable.uriHash(i)));
        }
    }

    /** A destination's score for the key, one bit dropped so that signed order is score order. */
    private static long score(long hash, long uriHash) {
        return Hashing.score(hash, uriHash) >>> 1;
    }

    /**
     * Hashes a URI as Kamailio keys it: user and host, plus the port when it is written and is
     * not the scheme's default; a tel URI by its number; any other by its text.
     */
    static long uriHash(Uri uri) {
        if (uri instanceof SipUri sip) {
            long h = Hashing.SEED;
            if (sip.user() != null) {
                h = Hashing.add(h, sip.user());
            }
            h = Hashing.add(h, '@');
            h = Hashing.add(h, sip.host().toLowerCase(Locale.ROOT));
            int defaultPort = sip.secure() ? 5061 : 5060;
            if (sip.port() >= 0 && sip.port() != defaultPort) {
                h = Hashing.add(Hashing.add(h, ':'), sip.port());
            }
            return nonZero(h);
        }
        if (uri instanceof TelUri tel) {
            return nonZero(Hashing.add(Hashing.SEED, tel.number()));
        }
        if (uri instanceof AbsoluteUri other) {
            return nonZero(Hashing.add(Hashing.SEED, other.text()));
        }
        return NO_KEY;
    }

    /** Hashes a text key, trimmed; {@link #NO_KEY} for a missing or blank one. */
    static long textHash(CharSequence key) {
        if (key == null) {
            return NO_KEY;
        }
        int from = 0;
        int to = key.length();
        while (from < to && Character.isWhitespace(key.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(key.charAt(to - 1))) {
            to--;
        }
        if (from == to) {
            return NO_KEY;
        }
        return nonZero(Hashing.add(Hashing.SEED, key.subSequence(from, to)));
    }

    private static long nonZero(long h) {
        return h == NO_KEY ? 1 : h;
    }
}
