package io.siplb.transport.destinations;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.Readable;
import io.siplb.core.dispatch.DestinationAttributes;
import io.siplb.core.dispatch.DestinationDefinition;
import io.siplb.core.dispatch.DestinationListParser;
import io.siplb.core.sip.SipUri;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The destinations of Kamailio's {@code dispatcher} table, read through R2DBC (PostgreSQL or
 * MariaDB/MySQL): one connection per read, closed after it, the whole read bounded by
 * {@code siplb.destinations.db-timeout}. A row is a list line: the same set, URI, flags, priority
 * and attributes rules, and every bad row named by its id and column. Columns that do not exist
 * are a problem of the configuration; a database that does not answer makes the read unreachable
 * (the caller may fall back to the copy in {@code siplb.destinations.db-cache}).
 */
public final class DispatcherTable implements DestinationSource {
    private final TableSettings settings;
    private final ConnectionFactory connections;
    private final String query;

    public DispatcherTable(TableSettings settings) {
        this.settings = settings;
        this.connections = ConnectionFactories.get(settings.options());
        StringBuilder select = new StringBuilder("SELECT ");
        for (String field : TableSettings.FIELDS) {
            select.append(settings.columns().get(field)).append(", ");
        }
        settings.extraAttrs().values().forEach(column -> select.append(column).append(", "));
        select.setLength(select.length() - 2);
        this.query = select.append(" FROM ").append(settings.table()).append(" ORDER BY ")
                .append(settings.columns().get("id")).toString();
    }

    /** One row as read: the values of {@link TableSettings#FIELDS}, then of the extra columns. */
    private record Row(List<Object> values) {
    }

    @Override
    public Read read() {
        List<Row> rows;
        try {
            rows = Mono.usingWhen(connections.create(), this::select, Connection::close)
                    .timeout(settings.timeout())
                    .block();
        } catch (RuntimeException e) {
            Throwable cause = Exceptions.unwrap(e);
            if (cause instanceof R2dbcBadGrammarException) {
                return new Read(List.of(), List.of(describe() + ": " + cause.getMessage() + " (the columns read: "
                        + String.join(", ", columnNames()) + ")"), false);
            }
            return Read.unreachable(describe() + ": " + (cause instanceof TimeoutException
                    ? "no answer within " + settings.timeout().toMillis() + " ms" : cause.toString()));
        }
        return rows(rows == null ? List.of() : rows);
    }

    private Mono<List<Row>> select(Connection connection) {
        int count = TableSettings.FIELDS.length + settings.extraAttrs().size();
        return Flux.from(connection.createStatement(query).execute())
                .flatMap(result -> result.map((Readable row) -> {
                    List<Object> values = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        values.add(row.get(i));
                    }
                    return new Row(values);
                }))
                .collectList();
    }

    private Read rows(List<Row> rows) {
        List<DestinationDefinition> definitions = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Object> seen = new HashMap<>();
        for (Row row : rows) {
            Object id = row.values().get(0);
            try {
                DestinationDefinition definition = definition(row, id);
                Object first = seen.putIfAbsent(definition.setId() + " " + definition.uri().text(), id);
                if (first != null) {
                    throw new RowException("destination", definition.uri().text() + " is already in set "
                            + definition.setId() + " (row id=" + first + ")");
                }
                definitions.add(definition);
            } catch (RowException e) {
                problems.add(describe() + ", row id=" + id + ", column " + settings.columns().getOrDefault(e.field, e.field)
                        + ": " + e.getMessage());
            }
        }
        return new Read(definitions, problems, false);
    }

    private DestinationDefinition definition(Row row, Object id) {
        int setId = number(row.values().get(1), "setid");
        SipUri uri;
        try {
            uri = DestinationListParser.sipUri(text(row.values().get(2), "destination"));
        } catch (IllegalArgumentException e) {
            throw new RowException("destination", e.getMessage());
        }
        int flags;
        try {
            flags = DestinationListParser.checkFlags(number(row.values().get(3), "flags"));
        } catch (IllegalArgumentException e) {
            throw new RowException("flags", e.getMessage());
        }
        int priority = number(row.values().get(4), "priority");
        StringBuilder attrs = new StringBuilder(text(row.values().get(5), "attrs").trim());
        int extra = TableSettings.FIELDS.length;
        for (String name : settings.extraAttrs().keySet()) {
            Object value = row.values().get(extra++);
            if (value != null && !value.toString().isBlank()) {
                attrs.append(attrs.length() > 0 ? ";" : "").append(name).append('=').append(value.toString().trim());
            }
        }
        if (attrs.chars().anyMatch(Character::isWhitespace)) {
            throw new RowException("attrs", "'" + attrs + "' holds white space (a list line, and the cache, "
                    + "separate fields by it)");
        }
        try {
            return new DestinationDefinition(setId, uri, flags, priority, DestinationAttributes.parse(attrs.toString()),
                    id instanceof Number n ? n.intValue() : 0);
        } catch (IllegalArgumentException e) {
            throw new RowException("attrs", e.getMessage());
        }
    }

    /** As the list file bounds it, so that the copy of the table reads back. */
    private static int number(Object value, String field) {
        if (value instanceof Number n && n.longValue() >= 0 && n.longValue() <= 999_999_999) {
            return n.intValue();
        }
        throw new RowException(field, value == null ? "is NULL" : "'" + value + "' is not a number 0..999999999");
    }

    private static String text(Object value, String field) {
        if (value == null) {
            throw new RowException(field, "is NULL");
        }
        return value.toString();
    }

    /** A bad value in one column of a row. */
    private static final class RowException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String field;

        RowException(String field, String problem) {
            super(problem);
            this.field = field;
        }
    }

    private List<String> columnNames() {
        List<String> names = new ArrayList<>();
        for (String field : TableSettings.FIELDS) {
            names.add(settings.columns().get(field));
        }
        names.addAll(settings.extraAttrs().values());
        return names;
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    /** The settings it reads with (the notifications listener shares them). */
    TableSettings settings() {
        return settings;
    }

    ConnectionFactory connections() {
        return connections;
    }
}
