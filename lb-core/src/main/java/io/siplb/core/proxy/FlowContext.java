package io.siplb.core.proxy;

import io.siplb.core.route.TargetChoice;
import io.siplb.core.transaction.ClientTransactions;
import io.siplb.core.transaction.ProxyCounters;
import io.siplb.core.transaction.ServerTransactions;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/**
 * What a flow and its branches work with, all below them: the loop's server side (provisionals
 * and early finals upstream) and client side (requests to destinations, CANCEL), the request
 * edits, the target choice, the failure rule, the shared tables (dialogs, call load), the
 * loop's scheduler, and who observes requests ({@link CallObserver}). One per loop; a flow never
 * reaches back into the proxy that started it.
 */
record FlowContext(ServerTransactions server, ClientTransactions client, RequestEdits edits, TargetChoice targets,
        FailureMarking marking, ProxyTables tables, Scheduler scheduler, ProxySettings settings, Observed observer) {

    /** The proxy's {@link CallObserver}, which the transport may set after the proxy is built. */
    static final class Observed {
        volatile CallObserver observer = CallObserver.NONE;

        CallObserver get() {
            return observer;
        }
    }

    /** Now, on the loop scheduler's clock (virtual in tests). */
    long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }

    ProxyCounters counters() {
        return tables.counters();
    }
}
