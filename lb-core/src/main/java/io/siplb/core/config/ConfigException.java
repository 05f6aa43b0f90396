package io.siplb.core.config;

/**
 * A configuration value that breaks its rule. The message names the key, the value and the rule,
 * so that start-up can stop with it as it is: {@code siplb.dispatch.limit=-1: must be 0 or more}.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String value;

    public ConfigException(String key, String value, String rule) {
        super(key + "=" + value + ": " + rule);
        this.key = key;
        this.value = value;
    }

    /** The offending key. */
    public String key() {
        return key;
    }

    /** The offending value as given. */
    public String value() {
        return value;
    }
}
