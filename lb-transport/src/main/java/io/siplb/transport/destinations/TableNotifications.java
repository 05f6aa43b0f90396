package io.siplb.transport.destinations;

import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * {@code siplb.destinations.db-notify}: one PostgreSQL connection kept open with {@code LISTEN
 * CHANNEL}; each NOTIFY reads the table again (a burst of them coalesces into one read after the
 * one running). A lost connection is opened again, 1 s to 30 s apart, and the table read again
 * then, since a change may have gone by unheard.
 */
final class TableNotifications {
    private static final Logger LOG = LoggerFactory.getLogger(TableNotifications.class);

    private final DispatcherTable table;
    private final Runnable reload;
    private Disposable listening;

    TableNotifications(DispatcherTable table, Runnable reload) {
        this.table = table;
        this.reload = reload;
    }

    void start() {
        String channel = table.settings().channel();
        AtomicBoolean first = new AtomicBoolean(true);
        Flux<Object> events = Flux.usingWhen(table.connections().create(), connection -> listen(connection, channel)
                .concatWith(Flux.error(new IllegalStateException("the LISTEN connection closed"))), Connection::close);
        listening = events
                .filter(event -> !(event instanceof Connected) || !first.getAndSet(false)) // the first: start just read
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30))
                        .doBeforeRetry(signal -> LOG.warn("NOTIFY {}: {}; listening again", channel,
                                signal.failure().toString())))
                .onBackpressureLatest()
                .publishOn(Schedulers.boundedElastic(), 1)
                .subscribe(event -> {
                    try {
                        reload.run();
                    } catch (RuntimeException e) { // the next NOTIFY must still be heard
                        LOG.warn("NOTIFY {}: the reload failed: {}", channel, e.toString(), e);
                    }
                }, error -> LOG.warn("NOTIFY {} stopped: {}", channel, error.toString()));
    }

    /** The connection's notifications on {@code channel}, after a {@link Connected} once LISTEN holds. */
    private static Flux<Object> listen(Connection connection, String channel) {
        PostgresqlConnection postgres = (PostgresqlConnection) connection;
        return postgres.createStatement("LISTEN " + channel).execute()
                .flatMap(result -> result.getRowsUpdated())
                .then(Mono.fromCallable(() -> {
                    LOG.info("listening for NOTIFY {}: each reads the destinations' table again", channel);
                    return (Object) new Connected();
                }))
                .concatWith(postgres.getNotifications().filter(n -> n.getName().equals(channel)).cast(Object.class));
    }

    /** LISTEN holds on a new connection. */
    private record Connected() {
    }

    void close() {
        if (listening != null) {
            listening.dispose();
        }
    }
}
