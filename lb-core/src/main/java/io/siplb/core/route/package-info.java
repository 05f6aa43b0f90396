/**
 * Routing rules: what a Kamailio script decides around {@code ds_select_dst}. A {@link Router}
 * is a pure function from a new request (and where it came from) to a sealed
 * {@link RoutingDecision} — forward it along a failover plan across one or more destination
 * sets, answer it, or drop it — built from {@code siplb.routes} and {@code siplb.route.NAME.*} by
 * {@link Routes}. The proxy applies the decision; nothing here sends or times anything.
 */
package io.siplb.core.route;
