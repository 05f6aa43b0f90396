package io.siplb.transport;

import java.util.ArrayList;
import java.util.List;

/** What a test opened — peers, balancers, sockets — closed last-opened first when it ends. */
final class Opened implements AutoCloseable {
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Keeps {@code resource} to close and hands it back. */
    <T extends AutoCloseable> T add(T resource) {
        resources.add(0, resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        resources.clear();
        if (first != null) {
            throw first;
        }
    }
}
