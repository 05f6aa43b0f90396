package io.siplb.transport.config;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.route.Routes;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Merges the configuration: the defaults, then the properties file, then {@code SIPLB_…}
 * environment variables, then {@code --set key=value} arguments, each overriding the one before.
 * Unknown keys and malformed {@code --set} arguments stop start-up with a message; the keys of a
 * route ({@code siplb.route.NAME.*}) are known by their part after the name.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * @param file the properties file, or {@code null} for the defaults alone
     * @param environment the process environment
     * @param sets the {@code key=value} arguments of {@code --set}
     * @throws ConfigException at the first unknown key, malformed {@code --set} or dropped backslash
     */
    public static ConfigValues load(Path file, Map<String, String> environment, List<String> sets) {
        return load(file, environment, sets, problem -> {
            throw problem;
        });
    }

    /**
     * As {@link #load(Path, Map, List)}, but each unknown key, malformed {@code --set} and dropped
     * backslash is handed to {@code problems} and left out, so that all of them can be reported.
     * A file that cannot be read still throws: there is nothing to check.
     */
    public static ConfigValues load(Path file, Map<String, String> environment, List<String> sets,
            Consumer<ConfigException> problems) {
        Map<String, String> merged = new LinkedHashMap<>(ConfigKeys.DEFAULTS);
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("--config", file.toString(), "cannot be read: " + e.getMessage());
            }
            for (String key : properties.stringPropertyNames()) {
                String value = properties.getProperty(key).trim();
                if (known(key, value, file.toString(), problems)) {
                    merged.put(key, value);
                }
            }
            checkDroppedBackslashes(file, properties, problems);
        }
        for (String key : ConfigKeys.DEFAULTS.keySet()) {
            String value = environment.get(ConfigKeys.environmentName(key));
            if (value != null) {
                merged.put(key, value.trim());
            }
        }
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                problems.accept(new ConfigException("--set", set, "must be key=value"));
                continue;
            }
            String key = set.substring(0, eq).trim();
            String value = set.substring(eq + 1).trim();
            if (known(key, value, "--set", problems)) {
                merged.put(key, value);
            }
        }
        return new ConfigValues(merged);
    }

    /**
     * The line of {@code file} on which each key is set (the first line of a continued entry),
     * for messages that point at it; a later line setting the same key wins, as it does in the value.
     */
    public static Map<String, Integer> lines(Path file) {
        Map<String, Integer> lines = new HashMap<>();
        forEachEntry(file, (line, key, written) -> lines.put(key, line));
        return lines;
    }

    private static boolean known(String key, String value, String where, Consumer<ConfigException> problems) {
        if (ConfigKeys.DEFAULTS.containsKey(key) || Routes.isRouteKey(key)) {
            return true;
        }
        problems.accept(new ConfigException(key, value, "is not a siplb key (in " + where
                + "); the keys are documented in docs/configuration.md"));
        return false;
    }

    /**
     * A backslash in a properties file escapes the character after it, so {@code ^\+?[0-9]+$}
     * written with single backslashes is read as {@code ^+?[0-9]+$}: a pattern that silently
     * matches something else. For the routes' {@code match.*} keys (regular expressions and
     * literal values) such a dropped backslash stops start-up with the key, what was written and
     * the doubled form to write instead. Two backslashes (one meant) and a Unicode escape
     * (backslash, {@code u}, four hex digits: the same character in a pattern) are left alone.
     */
    private static void checkDroppedBackslashes(Path file, Properties properties, Consumer<ConfigException> problems) {
        forEachEntry(file, (line, key, written) -> {
            if (!Routes.isRouteKey(key) || !key.contains(".match.") || properties.getProperty(key) == null) {
                return;
            }
            String doubled = doubleDroppedBackslashes(written);
            if (!doubled.equals(written)) {
                problems.accept(new ConfigException(key, written, "a backslash in a properties file escapes the next "
                        + "character and is dropped (this reads as " + properties.getProperty(key).trim()
                        + "); write " + doubled + " for a backslash in the value (in " + file + ")"));
            }
        });
    }

    /** One entry of a properties file: its first line, its key and its value as written. */
    private interface Entry {
        void accept(int line, String key, String written);
    }

    /** Each entry of {@code file} as written, continuation lines joined, comments and blank lines skipped. */
    private static void forEachEntry(Path file, Entry entries) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--config", file.toString(), "cannot be read: " + e.getMessage());
        }
        StringBuilder logical = new StringBuilder();
        int first = 0;
        for (int i = 0; i < lines.size(); i++) {
            String part = lines.get(i).stripLeading();
            if (logical.length() == 0) {
                first = i + 1;
                if (part.startsWith("#") || part.startsWith("!")) {
                    continue; // a comment never continues onto the next line
                }
            }
            logical.append(part);
            if (endsInContinuation(part)) {
                logical.setLength(logical.length() - 1);
                continue;
            }
            String entry = logical.toString();
            logical.setLength(0);
            if (entry.isEmpty() || entry.charAt(0) == '#' || entry.charAt(0) == '!') {
                continue;
            }
            int end = 0;
            while (end < entry.length() && "=: \t\f".indexOf(entry.charAt(end)) < 0) {
                end++;
            }
            int start = end;
            while (start < entry.length() && " \t\f".indexOf(entry.charAt(start)) >= 0) {
                start++;
            }
            if (start < entry.length() && (entry.charAt(start) == '=' || entry.charAt(start) == ':')) {
                start++;
            }
            entries.accept(first, entry.substring(0, end), entry.substring(start).trim());
        }
    }

    private static boolean endsInContinuation(String line) {
        int backslashes = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** {@code written} with each backslash the properties format would drop written twice. */
    static String doubleDroppedBackslashes(String written) {
        StringBuilder out = new StringBuilder(written.length() + 4);
        for (int i = 0; i < written.length(); i++) {
            char c = written.charAt(i);
            if (c != '\\') {
                out.append(c);
            } else if (i + 1 < written.length() && (written.charAt(i + 1) == '\\' || written.charAt(i + 1) == 'u')) {
                out.append(c).append(written.charAt(++i)); // a backslash meant, or a Unicode escape
            } else {
                out.append("\\\\");
            }
        }
        return out.toString();
    }
}
