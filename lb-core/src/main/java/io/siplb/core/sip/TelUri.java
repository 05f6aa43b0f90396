package io.siplb.core.sip;

import java.util.List;
import java.util.Objects;

/**
 * A {@code tel:} URI (RFC 3966): a global ({@code +…}) or local number and its parameters.
 *
 * @param number the telephone-subscriber number as written, visual separators included
 * @param parameters the parameters in order ({@code phone-context}, {@code ext}, …)
 * @param text the URI exactly as written
 */
public record TelUri(String number, List<Parameter> parameters, String text) implements Uri {

    public TelUri {
        Objects.requireNonNull(number, "number");
        parameters = List.copyOf(parameters);
        Objects.requireNonNull(text, "text");
    }

    @Override
    public String scheme() {
        return "tel";
    }

    /** Whether the number is global (starts with {@code +}). */
    public boolean global() {
        return number.startsWith("+");
    }

    @Override
    public String toString() {
        return text;
    }
}
