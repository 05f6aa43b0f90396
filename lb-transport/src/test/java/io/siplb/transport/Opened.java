package io.siplb.transport;

import io.siplb.transport.demo.Backend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened — balancers, peers, sockets — closed last-opened first after each test (a
 * JUnit extension: {@code @RegisterExtension final Opened opened = new Opened();}). Every one is
 * closed even when one fails; the first failure is thrown after.
 */
final class Opened implements AfterEachCallback, AutoCloseable {
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Keeps {@code resource} to close and hands it back. */
    <T extends AutoCloseable> T add(T resource) {
        resources.add(0, resource);
        return resource;
    }

    /** An in-JVM SIP backend on a loopback port the kernel chooses, closed after the test. */
    Backend backend(String name, Backend.Behaviour behaviour) {
        return add(new Backend(name, 0, behaviour));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        close();
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
