package io.siplb.core.dispatch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What loading one destination list in place of another changes: the destinations added and
 * removed (as {@code setid uri}, sorted), and whether any other column of a kept one changed.
 * Where a line sits in its file is not a change. Found without writing either list out as text:
 * a reload of a 10 000-line list compares in a map of the old list's keys.
 *
 * @param added the destinations only the new list has
 * @param removed the destinations only the old list has
 * @param edited whether a destination in both has another flags, priority or attrs column
 */
public record ListChange(List<String> added, List<String> removed, boolean edited) {

    /** The change from {@code before} to {@code after} (each holding a destination once). */
    public static ListChange between(List<DestinationDefinition> before, List<DestinationDefinition> after) {
        Map<DestinationDefinition.DestinationKey, DestinationDefinition> old = new HashMap<>(before.size() * 2);
        for (DestinationDefinition definition : before) {
            old.put(definition.key(), definition);
        }
        List<String> added = new ArrayList<>();
        boolean edited = false;
        for (DestinationDefinition definition : after) {
            DestinationDefinition.DestinationKey key = definition.key();
            DestinationDefinition kept = old.remove(key);
            if (kept == null) {
                added.add(key.text());
            } else if (!edited) { // the same key is the same set and URI
                edited = kept.flags() != definition.flags() || kept.priority() != definition.priority()
                        || !kept.attributes().equals(definition.attributes());
            }
        }
        List<String> removed = new ArrayList<>();
        old.keySet().forEach(key -> removed.add(key.text()));
        Collections.sort(added);
        Collections.sort(removed);
        return new ListChange(List.copyOf(added), List.copyOf(removed), edited);
    }

    /** Whether the two lists hold the same destinations with the same columns. */
    public boolean none() {
        return added.isEmpty() && removed.isEmpty() && !edited;
    }
}
