package io.siplb.core.dispatch;

import java.util.Arrays;
import java.util.List;

/**
 * The destinations to try for one request, in order: the selected one first, then the
 * algorithm's own fallback order, usable destinations only, at most {@code limit} of them. The
 * failover flow walks it with {@link #next()}; a parallel plan (algorithm 12) is forked at once.
 *
 * <p>One plan serves one request on one thread; walking it allocates nothing.
 */
public final class FailoverPlan {
    private static final Destination[] NONE = {};

    /**
     * The rest of a plan of which only the first places were found at selection (a rendezvous
     * plan, or the ring walk of a set over {@link #LAZY_ABOVE}): offers every candidate to a
     * ranking again, with the same keys, when a failover first reaches past those places.
     */
    @FunctionalInterface
    interface Tail {
        void rank(Ranking ranking);
    }

    private Destination[] destinations;
    private final boolean parallel;
    private int size;
    private int cursor;
    /** What ranks the places after {@link #size}, or {@code null} when the plan is whole. */
    private Tail tail;
    /** The places the plan has once its tail is in: its size until then. */
    private int planned;

    FailoverPlan(int capacity, boolean parallel) {
        this.destinations = capacity == 0 ? NONE : new Destination[capacity];
        this.parallel = parallel;
    }

    /** A plan of {@code head} (already ranked, {@code headSize} of it) whose other places {@code tail} ranks when needed. */
    FailoverPlan(Destination[] head, int headSize, int planned, Tail tail) {
        this.destinations = head;
        this.size = headSize;
        this.parallel = false;
        this.planned = planned;
        this.tail = planned > headSize ? tail : null;
    }

    /**
     * Ranks the places after the head: every candidate offered again, those already in the plan
     * skipped, up to the planned size. A destination that became unusable since the selection is
     * left out, so the plan may come out shorter than it said.
     */
    private void complete() {
        Tail rest = tail;
        if (rest == null) {
            return;
        }
        tail = null;
        Ranking ranking = Ranking.start(planned);
        rest.rank(ranking);
        Destination[] all = ranking.ordered(planned + size);
        Destination[] grown = Arrays.copyOf(destinations, planned);
        int filled = size;
        for (int i = 0; i < all.length && filled < planned; i++) {
            if (!holds(all[i])) {
                grown[filled++] = all[i];
            }
        }
        destinations = grown;
        size = filled;
    }

    /** A plan with nothing to try: the set is empty, unknown or entirely down. */
    public static FailoverPlan empty() {
        return new FailoverPlan(0, false);
    }

    /** The room a plan needs: {@code limit} (0 = all) but never more than the set has. */
    static int capacity(int setSize, int limit) {
        return limit <= 0 ? setSize : Math.min(limit, setSize);
    }

    /**
     * Kamailio's walk: from {@code first} onwards around the set, usable destinations only, until
     * the plan is full.
     */
    static FailoverPlan ring(DestinationSet set, int first, int limit) {
        Destination[] all = set.array();
        if (all.length > LAZY_ABOVE) {
            return lazyRing(all, set.usable().size(), first, limit);
        }
        FailoverPlan plan = new FailoverPlan(capacity(all.length, limit), false);
        for (int step = 0; step < all.length && !plan.full(); step++) {
            Destination d = all[(first + step) % all.length];
            if (d.usable()) {
                plan.add(d);
            }
        }
        return plan;
    }

    /** Sets larger than this get plans whose tail is walked when a failover first needs it. */
    static final int LAZY_ABOVE = 16;

    /**
     * The places of a lazy plan (a large set's ring, a rendezvous plan) found at selection: most
     * calls never fail over further. Two: rendezvous keeps its best two in a single pass.
     */
    static final int HEAD = 2;

    /**
     * The ring walk of a large set: its first {@link #HEAD} usable places now, the rest when
     * a failover reaches them (a whole plan of 1 000 was 4 KB a call, nearly all never walked).
     */
    private static FailoverPlan lazyRing(Destination[] all, int usable, int first, int limit) {
        int planned = capacity(usable, limit);
        Destination[] head = new Destination[Math.min(planned, HEAD)];
        int found = 0;
        for (int step = 0; step < all.length && found < head.length; step++) {
            Destination d = all[(first + step) % all.length];
            if (d.usable()) {
                head[found++] = d;
            }
        }
        return new FailoverPlan(head, found, planned, rest -> {
            for (int step = 0; step < all.length; step++) {
                Destination d = all[(first + step) % all.length];
                if (d.usable()) {
                    rest.offer(d, -step); // ring order: the ranking keeps it
                }
            }
        });
    }

    /**
     * The plans one after another ({@code ds_select_routes}: a primary set, then its backups),
     * each destination once, at most {@code limit} in all (0 = no cap). Parallel only when every
     * part is: forking does not span sets.
     */
    public static FailoverPlan concat(FailoverPlan[] parts, int limit) {
        for (FailoverPlan part : parts) {
            part.complete();
        }
        int total = 0;
        boolean parallel = parts.length > 0;
        for (FailoverPlan part : parts) {
            total += part.size;
            parallel &= part.parallel;
        }
        FailoverPlan plan = new FailoverPlan(limit <= 0 ? total : Math.min(limit, total), parallel);
        for (FailoverPlan part : parts) {
            for (int i = 0; i < part.size && !plan.full(); i++) {
                if (!plan.holds(part.destinations[i])) {
                    plan.add(part.destinations[i]);
                }
            }
        }
        return plan;
    }

    private boolean holds(Destination destination) {
        for (int i = 0; i < size; i++) {
            if (destinations[i] == destination) {
                return true;
            }
        }
        return false;
    }

    void add(Destination destination) {
        destinations[size++] = destination;
    }

    boolean full() {
        return size == destinations.length;
    }


    /**
     * How many destinations the plan holds: for a plan whose tail is not ranked yet, how many it
     * will hold if none of them goes down meanwhile.
     */
    public int size() {
        return tail != null ? planned : size;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** The destination at {@code index} in trying order. */
    public Destination get(int index) {
        if (index >= size) {
            complete();
        }
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " of a plan of " + size);
        }
        return destinations[index];
    }

    /** The next destination to try, or {@code null} when the plan is exhausted. */
    public Destination next() {
        if (cursor == size) {
            complete();
        }
        return cursor < size ? destinations[cursor++] : null;
    }

    /** How many destinations {@link #next()} has handed out. */
    public int tried() {
        return cursor;
    }

    /** Whether every destination is to be tried at once (parallel forking, algorithm 12). */
    public boolean parallel() {
        return parallel;
    }

    /** The destinations in trying order. */
    public List<Destination> destinations() {
        complete();
        return List.of(Arrays.copyOf(destinations, size));
    }

    @Override
    public String toString() {
        return (parallel ? "parallel " : "") + destinations();
    }
}
