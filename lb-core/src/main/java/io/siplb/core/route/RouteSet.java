package io.siplb.core.route;

import io.siplb.core.dispatch.Algorithm;
import io.siplb.core.dispatch.Selector;

/**
 * One destination set of a route and the algorithm that walks it ({@code sets=2:priority}).
 *
 * @param setId the set of {@code dispatcher.list}
 * @param algorithm how it is walked
 * @param selector an instance of that algorithm
 */
public record RouteSet(int setId, Algorithm algorithm, Selector selector) {
    @Override
    public String toString() {
        return setId + ":" + algorithm.label();
    }
}
