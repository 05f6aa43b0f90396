package io.siplb.transport.capture;

import io.micrometer.core.instrument.MeterRegistry;
import io.siplb.core.proxy.CallObserver;
import java.util.Collection;

/**
 * What watches the calls from outside the message path, as the balancer configured it: HEP
 * capture when {@code siplb.hep.collector} is set, the {@code io.siplb.calls} log when
 * {@code siplb.log.calls=true}, and the per-destination and per-route metrics always. Each lane's
 * proxy gets an {@link #observer()} of its own.
 */
public final class Observation implements AutoCloseable {
    private final HepCapture hep;
    private final boolean logCalls;
    private final CallMeters meters;

    /**
     * Starts HEP capture when {@code hep} is enabled.
     *
     * @param registry where the per-destination and per-route meters go
     */
    public Observation(HepSettings hep, boolean logCalls, MeterRegistry registry) {
        this.hep = hep.enabled() ? new HepCapture(hep) : null;
        this.logCalls = logCalls;
        this.meters = new CallMeters(registry);
    }

    /** The routes in force (at start and after a reload): their counters exist from now on. */
    public void routes(Collection<String> names) {
        meters.routes(names);
    }

    /** HEP capture, or {@code null} when it is off. */
    public HepCapture capture() {
        return hep;
    }

    /** A new observer for one lane's proxy (its table of requests in progress is that lane's). */
    public CallObserver observer() {
        return new CallRecorder(hep != null && hep.byRoute() ? hep : null, logCalls, meters);
    }

    /** Sends what capture still holds (for at most a second) and stops its thread. */
    @Override
    public void close() {
        if (hep != null) {
            hep.close();
        }
    }
}
