package io.siplb.transport.destinations;

import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.core.dispatch.DestinationListException;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.dispatch.Dispatcher;
import io.siplb.core.dispatch.ListChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * The destination sets in force and where they come from: the list file, or Kamailio's
 * {@code dispatcher} table with its copy ({@code siplb.destinations.db-cache}), its polling and its
 * PostgreSQL notifications. Every reload — SIGHUP, {@code POST /dispatcher/reload}, a cluster
 * node's request, a poll, a NOTIFY — goes through {@link #reload}: a read with any bad line or row,
 * or a source that cannot be read, keeps what is in force and says why; a good one that differs is
 * loaded (the runtime state of unchanged destinations kept) and logged with what it added and
 * removed; one that does not differ changes nothing (a poll keeps the sets' round-robin turns).
 */
public final class Destinations implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Destinations.class);

    private final DestinationSource source;
    private final TableSettings table;
    private final Dispatcher dispatcher;
    private volatile Runnable loaded = () -> { };
    private final LongAdder reloads = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder unreachable = new LongAdder();
    private Disposable poll;
    private volatile Disposable retry;
    private TableNotifications notifications;
    /** Started from the copy: the table is read again every 10 s until it answers, unless polled anyway. */
    private boolean fromCopy;

    private Destinations(DestinationSource source, TableSettings table, Dispatcher dispatcher) {
        this.source = source;
        this.table = table;
        this.dispatcher = dispatcher;
    }

    /** From the table when {@code table} is set, else from {@code file}. */
    public static Destinations of(Path file, TableSettings table, Dispatcher dispatcher) {
        return table != null ? new Destinations(new DispatcherTable(table), table, dispatcher)
                : new Destinations(new ListFile(file), null, dispatcher);
    }

    /** Runs after every load (the metrics follow the destinations). */
    public void onLoaded(Runnable action) {
        this.loaded = action;
    }

    /**
     * The first load. With the table unreachable and a copy of it on disk, the copy is loaded and
     * the log says so; the next good read replaces it.
     *
     * @throws DestinationListException naming every problem: start-up stops
     */
    public void loadAtStart() throws DestinationListException {
        DestinationSource.Read read = source.read();
        if (read.unreachable() && table != null && table.cache() != null && Files.isRegularFile(table.cache())) {
            DestinationSource.Read copy = new ListFile(table.cache()).read();
            if (copy.ok()) {
                unreachable.increment();
                LOG.warn("{}; starting from its copy {} ({} destinations, written {})", read.problems().get(0),
                        table.cache(), copy.definitions().size(), modified(table.cache()));
                dispatcher.load(copy.definitions());
                fromCopy = true;
                return;
            }
            LOG.warn("the copy {} cannot be read either: {}", table.cache(), copy.problems());
        }
        if (!read.ok()) {
            throw DestinationListException.of(source.describe(), read.problems());
        }
        dispatcher.load(read.definitions());
        keepCopy(read.definitions());
        LOG.info("{} destinations from {}", read.definitions().size(), source.describe());
    }

    /**
     * Reads the source again and loads it when every line or row is good.
     *
     * @param why what asked, for the log
     * @return each problem; empty when the read was loaded
     */
    public synchronized List<String> reload(String why) {
        DestinationSource.Read read = source.read();
        if (!read.ok()) {
            (read.unreachable() ? unreachable : refused).increment();
            read.problems().forEach(problem -> LOG.warn("{}: {}", why, problem));
            LOG.warn("{}: the destinations in force stay ({} destinations)", why, dispatcher.definitions().size());
            return read.problems();
        }
        ListChange change = ListChange.between(dispatcher.definitions(), read.definitions());
        if (change.none()) {
            LOG.debug("{}: {} unchanged", why, source.describe()); // a poll of an unchanged table: nothing to do
            reloads.increment();
            return List.of();
        }
        dispatcher.load(read.definitions());
        reloads.increment();
        loaded.run();
        keepCopy(read.definitions());
        LOG.info("{}: {} reloaded: {} destinations, added {}, removed {}", why, source.describe(),
                read.definitions().size(), change.added().isEmpty() ? "none" : change.added(),
                change.removed().isEmpty() ? "none" : change.removed());
        return List.of();
    }

    /** Starts reading the table every {@code siplb.destinations.db-poll} and on each NOTIFY. */
    public void watch() {
        if (table == null) {
            return;
        }
        if (fromCopy && table.poll().isZero()) {
            retry = Schedulers.boundedElastic().schedulePeriodically(() -> {
                if (reload("after starting from the copy").isEmpty()) {
                    retry.dispose();
                }
            }, 10, 10, TimeUnit.SECONDS);
        }
        if (!table.poll().isZero()) {
            long millis = table.poll().toMillis();
            poll = Schedulers.boundedElastic().schedulePeriodically(() -> reload("poll"), millis, millis,
                    TimeUnit.MILLISECONDS);
        }
        if (table.channel() != null) {
            notifications = new TableNotifications((DispatcherTable) source, () -> reload("NOTIFY " + table.channel()));
            notifications.start();
        }
    }

    /** Where the destinations come from, as messages name it. */
    public String describe() {
        return source.describe();
    }

    /**
     * Good reloads (loaded, or reading what was already in force); reloads refused for bad lines or
     * rows; reads that found the source unreachable (at start too, when the copy was used).
     */
    public long reloads() {
        return reloads.sum();
    }

    public long refused() {
        return refused.sum();
    }

    public long unreachable() {
        return unreachable.sum();
    }

    /** Whether the destinations come from a database table. */
    public boolean fromTable() {
        return table != null;
    }

    private void keepCopy(List<DestinationDefinition> definitions) {
        if (table == null || table.cache() == null) {
            return;
        }
        Path cache = table.cache().toAbsolutePath();
        List<String> lines = new ArrayList<>();
        lines.add("# The destinations of " + source.describe() + " as read at " + Instant.now() + ", written by siplb;");
        lines.add("# siplb starts from this copy when the database cannot be reached. Edit the table, not this file.");
        definitions.forEach(definition -> lines.add(DestinationListParser.line(definition)));
        Path temporary = null;
        try {
            temporary = Files.createTempFile(cache.getParent(), ".siplb-cache-", ".list");
            Files.write(temporary, lines, StandardCharsets.UTF_8);
            Files.move(temporary, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            LOG.warn("the copy of the destinations could not be written to {}: {}", cache, e.toString());
            try {
                if (temporary != null) {
                    Files.deleteIfExists(temporary);
                }
            } catch (IOException ignored) {
                // the warning above says the copy failed; a leftover temporary file is all that is left
            }
        }
    }

    private static String modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toString();
        } catch (IOException e) {
            return "at an unknown time";
        }
    }

    @Override
    public void close() {
        if (poll != null) {
            poll.dispose();
        }
        if (retry != null) {
            retry.dispose();
        }
        if (notifications != null) {
            notifications.close();
        }
    }
}
