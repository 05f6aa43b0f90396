package io.siplb.transport;

import java.util.ArrayList;
import java.util.List;

/** What a test opened — balancers, peers, sockets — closed in reverse order after it. */
final class Closer implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    <T extends AutoCloseable> T add(T resource) {
        open.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }
}
