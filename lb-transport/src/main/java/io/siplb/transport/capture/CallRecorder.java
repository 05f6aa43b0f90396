package io.siplb.transport.capture;

import io.siplb.core.net.Peer;
import io.siplb.core.proxy.CallObserver;
import io.siplb.core.route.Target;
import io.siplb.core.transaction.ServerTransaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one lane records of the requests it handles ({@link CallObserver}): the calls HEP capture
 * follows when it captures by route, a line per finished transaction in the {@code io.siplb.calls}
 * log when {@code siplb.log.calls=true}, and the per-destination and per-route figures of
 * {@link CallMeters}. Its table of requests in progress is the lane's loop's alone.
 */
public final class CallRecorder implements CallObserver {
    private static final Logger CALLS = LoggerFactory.getLogger("io.siplb.calls");
    /** Requests in progress at most; beyond, the oldest are forgotten (their line is not written). */
    private static final int MAX_IN_PROGRESS = 100_000;

    /** One request in progress: the route that took it and its attempts so far. */
    private static final class InProgress {
        String route;
        final List<String> attempts = new ArrayList<>(2);
    }

    private final HepCapture capture;
    private final boolean logCalls;
    private final CallMeters meters;
    private final Map<ServerTransaction, InProgress> requests = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<ServerTransaction, InProgress> eldest) {
            return size() > MAX_IN_PROGRESS;
        }
    };

    /**
     * @param capture HEP capture when it captures by route, else {@code null}
     * @param logCalls {@code siplb.log.calls}
     * @param meters the per-destination and per-route figures
     */
    public CallRecorder(HepCapture capture, boolean logCalls, CallMeters meters) {
        this.capture = capture;
        this.logCalls = logCalls;
        this.meters = meters;
    }

    @Override
    public void routed(ServerTransaction request, String route) {
        if (capture != null) {
            capture.follow(route, request.request().callId());
        }
        state(request).route = route;
    }

    @Override
    public void attempted(ServerTransaction request, Target target, int status, long nanos) {
        InProgress state = state(request);
        meters.attempted(target.destination(), status, nanos);
        if (logCalls) {
            String where = target.destination() != null ? target.destination().uri().text()
                    : target.address() == null ? "-" : address(target.peer());
            state.attempts.add(where + "=" + outcome(status));
        }
    }

    @Override
    public void failedOver(ServerTransaction request) {
        meters.failedOver(state(request).route);
    }

    @Override
    public void exhausted(ServerTransaction request) {
        meters.exhausted(state(request).route);
    }

    @Override
    public void finished(ServerTransaction request, int status, long nanos) {
        InProgress state = requests.remove(request);
        if (!logCalls) {
            return;
        }
        String route = state == null || state.route == null ? "-" : state.route;
        String tried = state == null || state.attempts.isEmpty() ? "-" : String.join(",", state.attempts);
        String millis = String.format(Locale.ROOT, "%.1f", nanos / 1e6);
        CharSequence method = request.request().methodName();
        CharSequence callId = request.request().callId();
        String peer = address(request.source());
        // the key-value pairs are the line's fields for the JSON encoder (siplb.log.format=json), as
        // strings and numbers; the text says the same
        CALLS.atInfo().addKeyValue("method", method.toString()).addKeyValue("callId", callId.toString())
                .addKeyValue("peer", peer).addKeyValue("route", route).addKeyValue("tried", tried)
                .addKeyValue("status", status).addKeyValue("ms", Math.round(nanos / 1e5) / 10.0)
                .log("{} {} from {} route {} tried {} final {} in {} ms", method, callId, peer, route, tried, status,
                        millis);
    }

    /**
     * What is known of {@code request} so far; a throwaway once its final response went upstream
     * (a branch that ends after that, such as one CANCELled when another answered, adds nothing).
     */
    private InProgress state(ServerTransaction request) {
        if (request.request() == null) {
            return new InProgress();
        }
        return requests.computeIfAbsent(request, key -> new InProgress());
    }

    private static String address(Peer peer) {
        return peer.address().getAddress().getHostAddress() + ":" + peer.address().getPort() + "/"
                + peer.transport().parameter();
    }

    /** A final status, or what ended an attempt without one. */
    static String outcome(int status) {
        return switch (status) {
            case CallObserver.TIMEOUT -> "timeout";
            case CallObserver.UNREACHABLE -> "unreachable";
            case CallObserver.UNRESOLVED -> "unresolved";
            default -> Integer.toString(status);
        };
    }
}
