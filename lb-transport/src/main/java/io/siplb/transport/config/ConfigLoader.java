package io.siplb.transport.config;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
import io.siplb.core.route.Routes;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

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
     */
    public static ConfigValues load(Path file, Map<String, String> environment, List<String> sets) {
        Map<String, String> merged = new LinkedHashMap<>(ConfigKeys.DEFAULTS);
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new ConfigException("--config", file.toString(), "cannot be read: " + e.getMessage());
            }
            for (String key : properties.stringPropertyNames()) {
                merged.put(known(key, properties.getProperty(key), file.toString()), properties.getProperty(key).trim());
            }
            checkDroppedBackslashes(file, properties);
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
                throw new ConfigException("--set", set, "must be key=value");
            }
            String key = set.substring(0, eq).trim();
            String value = set.substring(eq + 1).trim();
            merged.put(known(key, value, "--set"), value);
        }
        return new ConfigValues(merged);
    }

    private static String known(String key, String value, String where) {
        if (!ConfigKeys.DEFAULTS.containsKey(key) && !Routes.isRouteKey(key)) {
            throw new ConfigException(key, value, "is not a siplb key (in " + where
                    + "); the keys are documented in config/siplb.properties");
        }
        return key;
    }

    /**
     * A backslash in a properties file escapes the character after it, so {@code ^\+?[0-9]+$}
     * written with single backslashes is read as {@code ^+?[0-9]+$}: a pattern that silently
     * matches something else. For the routes' {@code match.*} keys (regular expressions and
     * literal values) such a dropped backslash stops start-up with the key, what was written and
     * the doubled form to write instead. Two backslashes (one meant) and a Unicode escape
     * (backslash, {@code u}, four hex digits: the same character in a pattern) are left alone.
     */
    private static void checkDroppedBackslashes(Path file, Properties properties) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("--config", file.toString(), "cannot be read: " + e.getMessage());
        }
        StringBuilder logical = new StringBuilder();
        for (String line : lines) {
            String part = line.stripLeading();
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
            String key = entry.substring(0, end);
            if (!Routes.isRouteKey(key) || !key.contains(".match.") || properties.getProperty(key) == null) {
                continue;
            }
            int start = end;
            while (start < entry.length() && " \t\f".indexOf(entry.charAt(start)) >= 0) {
                start++;
            }
            if (start < entry.length() && (entry.charAt(start) == '=' || entry.charAt(start) == ':')) {
                start++;
            }
            String written = entry.substring(start).trim();
            String doubled = doubleDroppedBackslashes(written);
            if (!doubled.equals(written)) {
                throw new ConfigException(key, written, "a backslash in a properties file escapes the next "
                        + "character and is dropped (this reads as " + properties.getProperty(key).trim()
                        + "); write " + doubled + " for a backslash in the value (in " + file + ")");
            }
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
