package io.siplb.core.route;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled pattern with one reusable {@link Matcher} per thread, so that matching a header or
 * a URI part allocates nothing. {@link #find} looks for the pattern anywhere: anchor it with
 * {@code ^…$} to match the whole value.
 */
final class Regex {
    private final Pattern pattern;
    private final ThreadLocal<Matcher> matchers;

    Regex(Pattern pattern) {
        this.pattern = pattern;
        this.matchers = ThreadLocal.withInitial(() -> pattern.matcher(""));
    }

    boolean find(CharSequence text) {
        if (text == null) {
            return false;
        }
        Matcher matcher = matchers.get();
        boolean found = matcher.reset(text).find();
        matcher.reset(""); // keep no message reachable from the thread
        return found;
    }

    @Override
    public String toString() {
        return pattern.pattern();
    }
}
