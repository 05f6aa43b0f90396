package io.siplb.core.sip;

import java.util.List;
import java.util.Objects;

/**
 * One {@code ;name[=value]} parameter of a URI or a header field value, as written (escapes and
 * quotes kept).
 *
 * @param name the parameter name
 * @param value the value, or {@code null} for a parameter without one (such as {@code lr})
 */
public record Parameter(String name, String value) {
    public Parameter {
        Objects.requireNonNull(name, "name");
    }

    /**
     * The value of the parameter named {@code name} (case-insensitive) in {@code parameters}:
     * {@code ""} when it has no value, {@code null} when absent.
     */
    static String find(List<Parameter> parameters, String name) {
        for (Parameter p : parameters) {
            if (p.name().equalsIgnoreCase(name)) {
                return p.value() == null ? "" : p.value();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return value == null ? name : name + "=" + value;
    }
}
