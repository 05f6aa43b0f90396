package io.siplb.core.dispatch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The order in which a destination's DNS targets are tried (RFC 2782 "Usage rules", RFC 3263
 * §4.4): the lowest priority value first; within one priority a weighted random order — sum the
 * weights, pick a number from 0 to the sum, take the first target whose running sum reaches it,
 * remove it, repeat — with weight-0 targets placed first so they keep a small chance. Unusable
 * targets are left out while one is usable. A/AAAA targets (priority and weight 0) keep their
 * answer order.
 */
public final class SrvOrder {
    private SrvOrder() {
    }

    /**
     * The usable targets of {@code targets} in the order to try them; all of them when none is
     * usable (the destination is tried only because its set is in panic, {@link SetHealth}).
     */
    public static List<DestinationTarget> of(List<DestinationTarget> targets) {
        List<DestinationTarget> usable = new ArrayList<>(targets.size());
        for (DestinationTarget target : targets) {
            if (target.usable()) {
                usable.add(target);
            }
        }
        if (usable.isEmpty()) {
            usable.addAll(targets);
        }
        usable.sort(Comparator.comparingInt(DestinationTarget::priority)); // stable: answer order kept
        List<DestinationTarget> ordered = new ArrayList<>(usable.size());
        int start = 0;
        while (start < usable.size()) {
            int end = start;
            while (end < usable.size() && usable.get(end).priority() == usable.get(start).priority()) {
                end++;
            }
            weighted(usable.subList(start, end), ordered);
            start = end;
        }
        return ordered;
    }

    private static void weighted(List<DestinationTarget> group, List<DestinationTarget> out) {
        List<DestinationTarget> left = new ArrayList<>(group.size());
        long sum = 0;
        for (DestinationTarget target : group) {
            if (target.weight() == 0) {
                left.add(target);
            }
        }
        for (DestinationTarget target : group) {
            if (target.weight() > 0) {
                left.add(target);
                sum += target.weight();
            }
        }
        if (sum == 0) {
            out.addAll(left); // no weights: the answer's order
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!left.isEmpty()) {
            long pick = random.nextLong(sum + 1);
            long running = 0;
            int chosen = left.size() - 1;
            for (int i = 0; i < left.size(); i++) {
                running += left.get(i).weight();
                if (running >= pick) {
                    chosen = i;
                    break;
                }
            }
            DestinationTarget next = left.remove(chosen);
            sum -= next.weight();
            out.add(next);
        }
    }
}
