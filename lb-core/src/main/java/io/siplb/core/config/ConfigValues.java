package io.siplb.core.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Typed reads of {@code siplb.*} keys from merged configuration text (properties file, then
 * {@code SIPLB_…} variables, then {@code --set}), each failing with a {@link ConfigException}
 * that names the key, the value and the rule.
 */
public final class ConfigValues {
    private final Map<String, String> values;
    /** Where a bad value is reported instead of thrown ({@link #collecting}); {@code null}: thrown. */
    private final Consumer<ConfigException> problems;

    public ConfigValues(Map<String, String> values) {
        this(values, null);
    }

    private ConfigValues(Map<String, String> values, Consumer<ConfigException> problems) {
        this.values = Map.copyOf(Objects.requireNonNull(values, "values"));
        this.problems = problems;
    }

    /**
     * These values read so that a bad one is handed to {@code problems} and its default read in
     * its place, instead of failing: {@code siplb check} reports every bad value, not the first.
     */
    public ConfigValues collecting(Consumer<ConfigException> problems) {
        return new ConfigValues(values, Objects.requireNonNull(problems, "problems"));
    }

    /** No value given: every key reads as its default ({@link ConfigDefaults}). */
    public static ConfigValues defaults() {
        return new ConfigValues(Map.of());
    }

    /** These values with {@code overrides} put over them. */
    public ConfigValues with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(values);
        merged.putAll(overrides);
        return new ConfigValues(merged, problems);
    }

    /** Every key that has a value, defaults included. */
    public Set<String> keys() {
        return values.keySet();
    }

    /** The trimmed value of {@code key}, or its default ({@link ConfigDefaults}). */
    public String string(String key) {
        return text(key).trim();
    }

    /** An integer in {@code [min, max]}; absent, its default. */
    public int integer(String key, int min, int max) {
        return integer(key, 0, min, max, text(key));
    }

    /** A duration in {@code [min, max]} ({@link #duration(String, Duration, Duration, Duration)}); absent, its default. */
    public Duration duration(String key, Duration min, Duration max) {
        return duration(key, null, min, max, text(key));
    }

    /** One of {@code choices} (case-insensitive), returned in lower case; absent, its default. */
    public String oneOf(String key, String... choices) {
        return choice(key, null, text(key), choices);
    }

    /** The value of {@code key} as given, else its default; a key siplb does not have is a bug. */
    private String text(String key) {
        String value = values.get(key);
        if (value != null) {
            return value;
        }
        String fallback = ConfigDefaults.of(key);
        if (fallback == null) {
            throw new IllegalArgumentException("no configuration key " + key + " (ConfigDefaults)");
        }
        return fallback;
    }

    /** The trimmed value of {@code key}, or {@code fallback} when absent. */
    public String string(String key, String fallback) {
        String value = values.get(key);
        return value == null ? fallback : value.trim();
    }

    /** An integer in {@code [min, max]}. */
    public int integer(String key, int fallback, int min, int max) {
        return integer(key, fallback, min, max, values.get(key));
    }

    private int integer(String key, int fallback, int min, int max, String text) {
        if (text == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text.trim());
            if (value >= min && value <= max) {
                return (int) value;
            }
        } catch (NumberFormatException e) {
            // reported with the rule below
        }
        return refuse(new ConfigException(key, text, "must be an integer from " + min + " to " + max),
                () -> strict().integer(key, fallback, min, max, ConfigDefaults.of(key)));
    }

    /**
     * A duration written as a number and a unit: {@code 500ms}, {@code 2s}, {@code 5m},
     * {@code 1h}; a bare {@code 0} is zero. It must lie in {@code [min, max]}.
     */
    public Duration duration(String key, Duration fallback, Duration min, Duration max) {
        return duration(key, fallback, min, max, values.get(key));
    }

    private Duration duration(String key, Duration fallback, Duration min, Duration max, String text) {
        if (text == null) {
            return fallback;
        }
        Duration value = parseDuration(text.trim());
        if (value == null) {
            return refuse(new ConfigException(key, text, "must be a duration such as 500ms, 2s, 5m or 1h"),
                    () -> strict().duration(key, fallback, min, max, ConfigDefaults.of(key)));
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            return refuse(new ConfigException(key, text, "must be from " + format(min) + " to " + format(max)),
                    () -> strict().duration(key, fallback, min, max, ConfigDefaults.of(key)));
        }
        return value;
    }

    /** One of {@code choices} (case-insensitive), returned in lower case. */
    public String choice(String key, String fallback, String... choices) {
        return choice(key, fallback, values.get(key), choices);
    }

    private String choice(String key, String fallback, String text, String... choices) {
        if (text == null) {
            return fallback;
        }
        String value = text.trim().toLowerCase(Locale.ROOT);
        for (String choice : choices) {
            if (choice.equals(value)) {
                return value;
            }
        }
        return refuse(new ConfigException(key, text, "must be one of " + String.join(", ", choices)),
                () -> strict().choice(key, fallback, ConfigDefaults.of(key), choices));
    }

    /**
     * Throws {@code problem}, or, when collecting, reports it and reads {@code instead}: the
     * key's default, or the caller's fallback when the key has none.
     */
    private <T> T refuse(ConfigException problem, Supplier<T> instead) {
        if (problems == null) {
            throw problem;
        }
        problems.accept(problem);
        return instead.get();
    }

    /** These values, throwing: a refused value's default is read with them (a bad default is a bug). */
    private ConfigValues strict() {
        return new ConfigValues(values);
    }

    static Duration parseDuration(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        int unit = 0;
        while (unit < text.length() && Character.isDigit(text.charAt(unit))) {
            unit++;
        }
        if (unit == 0 || unit > 12) {
            return null;
        }
        long amount = Long.parseLong(text.substring(0, unit));
        switch (text.substring(unit)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            case "h":
                return Duration.ofHours(amount);
            default:
                return null;
        }
    }

    /** A duration as an operator writes it. */
    public static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
