package io.siplb.core.dispatch;

/**
 * Whether a destination is draining, and who said so: it takes no new dialog and no request
 * outside a dialog, while requests of its live dialogs still reach it. Kamailio's dispatcher has
 * no such state; it is kept beside the Kamailio flags, not in them, so that the list file, the
 * table and {@code dispatcher.list} keep Kamailio's meaning.
 */
public enum Drain {
    /** Not draining. */
    NONE,
    /** An operator drains it ({@code POST /dispatcher/state?state=drain}, {@code siplb ctl drain}); only an operator ends it. */
    OPERATOR,
    /** Its probe replies say it is closing ({@code siplb.probe.drain-codes}, {@code siplb.probe.drain-header}); a reply that does not ends it. */
    PROBE;

    public boolean draining() {
        return this != NONE;
    }
}
