package io.siplb.transport.destinations;

import io.siplb.core.dispatch.DestinationDefinition;
import java.util.List;

/** Where the destination sets come from: the {@code dispatcher.list} file or Kamailio's {@code dispatcher} table. */
public interface DestinationSource {

    /**
     * What one read found.
     *
     * @param definitions the destinations of every good line or row
     * @param problems each bad line or row, {@code WHERE: what is wrong}; a read with any is not
     *     loaded (a typo never removes capacity)
     * @param unreachable whether the source could not be read at all (file missing, database down
     *     or too slow): the one problem says why
     */
    record Read(List<DestinationDefinition> definitions, List<String> problems, boolean unreachable) {
        public Read {
            definitions = List.copyOf(definitions);
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }

        static Read unreachable(String problem) {
            return new Read(List.of(), List.of(problem), true);
        }
    }

    /** Reads every destination; blocks (never call it on an event loop). */
    Read read();

    /** The source as messages name it. */
    String describe();
}
