package io.siplb.transport.config;

import io.siplb.core.config.ConfigDefaults;
import java.util.Locale;
import java.util.Map;

/**
 * The configuration keys as the loader sees them: their defaults ({@link ConfigDefaults}) and the
 * environment variable that overrides each.
 */
final class ConfigKeys {
    /** Every key with its default: {@link ConfigDefaults}, the one home of a default. */
    static final Map<String, String> DEFAULTS = ConfigDefaults.ALL;

    private ConfigKeys() {
    }

    /** The environment variable that overrides {@code key}: {@code siplb.failover.timeout} → {@code SIPLB_FAILOVER_TIMEOUT}. */
    static String environmentName(String key) {
        return "SIPLB_" + key.substring("siplb.".length()).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
