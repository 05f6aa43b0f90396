package io.siplb.core.route;

/** What a route changes in a request it forwards. */
public enum Rewrite {
    /** Only the next hop is the destination ({@code ds_select_dst}): the Request-URI stays. */
    DST,
    /**
     * The Request-URI's host and port become the destination's, again on every failover
     * ({@code ds_select_domain} / {@code ds_next_domain}); scheme, user, parameters stay.
     */
    DOMAIN
}
