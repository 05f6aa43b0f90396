package io.siplb.transport.config;

import io.siplb.core.config.ConfigException;
import io.siplb.core.config.ConfigValues;
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
                merged.put(known(key, key, file.toString()), properties.getProperty(key).trim());
            }
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
            merged.put(known(key, set, "--set"), set.substring(eq + 1).trim());
        }
        return new ConfigValues(merged);
    }

    private static String known(String key, String value, String where) {
        if (!ConfigKeys.DEFAULTS.containsKey(key) && !io.siplb.core.route.Routes.isRouteKey(key)) {
            throw new ConfigException(key, value, "is not a siplb key (in " + where
                    + "); the keys are documented in config/siplb.properties");
        }
        return key;
    }
}
