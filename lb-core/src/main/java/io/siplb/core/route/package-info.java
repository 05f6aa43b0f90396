/**
 * Every routing decision, as a value: what a Kamailio script decides around {@code ds_select_dst}
 * and {@code loose_route}. A {@link io.siplb.core.route.Router} is a pure function from a new
 * request (and where it came from) to a sealed {@link io.siplb.core.route.RoutingDecision} —
 * forward it along a failover plan across one or more destination sets, answer it, or drop it —
 * built from {@code siplb.routes} and {@code siplb.route.NAME.*} by {@link
 * io.siplb.core.route.Routes}. The {@link io.siplb.core.route.DialogRouter} decides requests of a
 * dialog and along our Path (relay to one next hop, 430, 481) from our Record-Route entries
 * ({@link io.siplb.core.route.DialogRoute}); {@link io.siplb.core.route.TargetChoice} says which
 * address of a destination a request goes to. The proxy applies the decision; nothing here sends
 * or times anything.
 */
package io.siplb.core.route;
