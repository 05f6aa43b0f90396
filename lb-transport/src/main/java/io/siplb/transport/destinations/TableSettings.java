package io.siplb.transport.destinations;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where Kamailio's {@code dispatcher} table is and how it is read ({@code siplb.destinations.db*},
 * {@code siplb.destinations.table}, {@code siplb.destinations.column.*}).
 *
 * @param url the URL as written ({@code postgres://…}, {@code mysql://…}), for messages; its
 *     password is never shown
 * @param options what R2DBC connects with
 * @param driver {@code postgresql} or {@code mariadb}
 * @param table the table name
 * @param columns the column of each field: id, setid, destination, flags, priority, attrs
 * @param extraAttrs more columns read as attributes, attribute name to column (ds_db_extra_attrs)
 * @param timeout how long one read may take
 * @param poll how often the table is read again; zero = never on its own
 * @param channel the PostgreSQL channel to LISTEN on, or {@code null}
 * @param cache the list file the last good read is written to, or {@code null}
 */
public record TableSettings(String url, ConnectionFactoryOptions options, String driver, String table,
        Map<String, String> columns, Map<String, String> extraAttrs, Duration timeout, Duration poll, String channel,
        Path cache) {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    /** The fields of a row, in the order they are selected. */
    static final String[] FIELDS = {"id", "setid", "destination", "flags", "priority", "attrs"};

    /** The table settings, or {@code null} when {@code siplb.destinations.db} is empty (the list file is read). */
    public static TableSettings from(ConfigValues config) {
        String url = config.string("siplb.destinations.db");
        if (url.isEmpty()) {
            return null;
        }
        String driver = driver(url);
        ConnectionFactoryOptions options = options(url, driver, config.string("siplb.destinations.db-password"));
        String table = identifier(config, "siplb.destinations.table");
        Map<String, String> columns = new LinkedHashMap<>();
        for (String field : FIELDS) {
            columns.put(field, identifier(config, "siplb.destinations.column." + field));
        }
        Map<String, String> extra = extraAttrs(config.string("siplb.destinations.db-extra-attrs"));
        Duration timeout = config.duration("siplb.destinations.db-timeout", Duration.ofMillis(100), Duration.ofMinutes(1));
        Duration poll = config.duration("siplb.destinations.db-poll", Duration.ZERO, Duration.ofHours(24));
        if (!poll.isZero() && poll.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException("siplb.destinations.db-poll", config.string("siplb.destinations.db-poll"),
                    "must be 0 (off) or from 1s to 24h");
        }
        String notify = config.string("siplb.destinations.db-notify");
        if (!notify.isEmpty()) {
            if (!driver.equals("postgresql")) {
                throw new ConfigException("siplb.destinations.db-notify", notify,
                        "LISTEN/NOTIFY is PostgreSQL's: use siplb.destinations.db-poll with " + driver);
            }
            identifier(config, "siplb.destinations.db-notify");
        }
        String cache = config.string("siplb.destinations.db-cache");
        return new TableSettings(redacted(url), options, driver, table, Map.copyOf(columns), extra, timeout, poll,
                notify.isEmpty() ? null : notify, cache.isEmpty() ? null : Path.of(cache));
    }

    private static String driver(String url) {
        int colon = url.indexOf("://");
        String scheme = colon < 0 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "postgres", "postgresql" -> "postgresql";
            case "mysql", "mariadb" -> "mariadb";
            default -> throw new ConfigException("siplb.destinations.db", redacted(url),
                    "must be postgres://USER@HOST[:PORT]/DATABASE or mysql://USER@HOST[:PORT]/DATABASE "
                            + "(also postgresql://, mariadb://), as Kamailio's db_url");
        };
    }

    private static ConnectionFactoryOptions options(String url, String driver, String password) {
        ConnectionFactoryOptions parsed;
        try {
            parsed = ConnectionFactoryOptions.parse("r2dbc:" + driver + url.substring(url.indexOf("://")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("siplb.destinations.db", redacted(url), "does not parse as a URL");
        }
        if (blank(parsed.getValue(ConnectionFactoryOptions.HOST)) || blank(parsed.getValue(ConnectionFactoryOptions.DATABASE))) {
            throw new ConfigException("siplb.destinations.db", redacted(url), "needs a host and a database: "
                    + "postgres://USER@HOST[:PORT]/DATABASE");
        }
        ConnectionFactoryOptions.Builder builder = ConnectionFactoryOptions.builder().from(parsed);
        if (driver.equals("postgresql")) {
            // the LISTEN connection of db-notify idles for hours: keep-alives find a peer gone silent
            builder.option(Option.valueOf("tcpKeepAlive"), true);
        }
        if (!password.isEmpty()) {
            builder.option(ConnectionFactoryOptions.PASSWORD, password);
        }
        return builder.build();
    }

    private static boolean blank(Object value) {
        return value == null || value.toString().isBlank();
    }

    private static String identifier(ConfigValues config, String key) {
        String name = config.string(key);
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new ConfigException(key, name, "must be a table or column name: letters, digits and _, "
                    + "not starting with a digit");
        }
        return name;
    }

    private static Map<String, String> extraAttrs(String text) {
        Map<String, String> extra = new LinkedHashMap<>();
        for (String pair : text.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String column = eq > 0 ? pair.substring(eq + 1).trim() : "";
            if (eq <= 0 || !IDENTIFIER.matcher(column).matches()) {
                throw new ConfigException("siplb.destinations.db-extra-attrs", text,
                        "must be name=column;name=column (columns: letters, digits, _)");
            }
            extra.put(pair.substring(0, eq).trim(), column);
        }
        return Map.copyOf(extra);
    }

    /** {@code url} with any password in it replaced by {@code ***} (only the authority is looked at). */
    static String redacted(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int slash = url.indexOf('/', scheme + 3);
        String authority = slash < 0 ? url.substring(scheme + 3) : url.substring(scheme + 3, slash);
        int at = authority.lastIndexOf('@');
        int colon = at < 0 ? -1 : authority.indexOf(':');
        if (colon < 0 || colon > at) {
            return url;
        }
        return url.substring(0, scheme + 3) + authority.substring(0, colon + 1) + "***" + authority.substring(at)
                + (slash < 0 ? "" : url.substring(slash));
    }

    /** The table as messages name it: {@code postgresql table dispatcher}. */
    public String describe() {
        return driver + " table " + table + " (" + url + ")";
    }
}
