package io.siplb.core.route;

import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.NameAddress;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipMethod;
import io.siplb.core.sip.SipUri;
import io.siplb.core.sip.TelUri;
import io.siplb.core.sip.Uri;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a route matches: every condition given must hold, and a route with none matches every
 * request. Strings compare without case where SIP says so (methods are case-sensitive, hosts are
 * not).
 *
 * @param methods request methods ({@code match.method}), empty for any
 * @param ruriUser a pattern the Request-URI's user part must contain ({@code match.ruri-user};
 *     the number of a {@code tel:} URI), or {@code null}
 * @param ruriUserPrefixes prefixes one of which the user part must start with
 *     ({@code match.ruri-user-prefix}), empty for any
 * @param ruriHost a pattern the Request-URI's host must contain ({@code match.ruri-host}), or {@code null}
 * @param ruriDomains domains the Request-URI's host must equal or end in ({@code match.ruri-domain})
 * @param sources address blocks the source must lie in ({@code match.source}), empty for any
 * @param listeners listen addresses that must have received it ({@code match.listen}), empty for any
 * @param header a header that must be present ({@code match.header}: {@code Name} or
 *     {@code Name: pattern}), or {@code null}
 * @param headerValue the pattern that header's first value must contain, or {@code null}
 * @param fromDomains domains the From URI's host must equal or end in ({@code match.from-domain})
 * @param toDomains domains the To URI's host must equal or end in ({@code match.to-domain})
 */
public record RouteMatch(Set<String> methods, Regex ruriUser, List<String> ruriUserPrefixes, Regex ruriHost,
        List<String> ruriDomains, List<Cidr> sources, Set<String> listeners, String header, Regex headerValue,
        List<String> fromDomains, List<String> toDomains) {

    /** Matches every request. */
    public static final RouteMatch ANY = new RouteMatch(Set.of(), null, List.of(), null, List.of(), List.of(),
            Set.of(), null, null, List.of(), List.of());

    public RouteMatch {
        methods = Set.copyOf(methods);
        ruriUserPrefixes = List.copyOf(ruriUserPrefixes);
        ruriDomains = lower(ruriDomains);
        sources = List.copyOf(sources);
        listeners = Set.copyOf(listeners);
        fromDomains = lower(fromDomains);
        toDomains = lower(toDomains);
    }

    private static List<String> lower(List<String> domains) {
        List<String> lower = new ArrayList<>(domains.size());
        for (String domain : domains) {
            lower.add(domain.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(lower);
    }

    /** Whether {@code request} meets every condition. */
    public boolean matches(RouteRequest request) {
        SipMessage message = request.message();
        if (!methods.isEmpty() && !methodMatches(message)) {
            return false;
        }
        if (!sources.isEmpty() && !inAny(request)) {
            return false;
        }
        if (!listeners.isEmpty() && !listeners.contains(request.listener())) {
            return false;
        }
        if (ruriUser != null || !ruriUserPrefixes.isEmpty() || ruriHost != null || !ruriDomains.isEmpty()) {
            Uri uri = message.requestUri();
            String user = uri instanceof SipUri sip ? sip.user() : uri instanceof TelUri tel ? tel.number() : null;
            String host = uri instanceof SipUri sip ? sip.host() : null;
            if (ruriUser != null && !ruriUser.find(user)) {
                return false;
            }
            if (!ruriUserPrefixes.isEmpty() && !startsWithAny(user)) {
                return false;
            }
            if (ruriHost != null && !ruriHost.find(host)) {
                return false;
            }
            if (!ruriDomains.isEmpty() && !inDomain(host, ruriDomains)) {
                return false;
            }
        }
        if (header != null) {
            HeaderName known = HeaderName.lookup(header);
            CharSequence value = known != HeaderName.OTHER ? message.headerValue(known) : message.headerValue(header);
            if (value == null || headerValue != null && !headerValue.find(value)) {
                return false;
            }
        }
        if (!fromDomains.isEmpty() && !inDomain(hostOf(message.from()), fromDomains)) {
            return false;
        }
        return toDomains.isEmpty() || inDomain(hostOf(message.to()), toDomains);
    }

    /** By the method's enum for the methods SIP defines (no text built), by name for the others. */
    private boolean methodMatches(SipMessage message) {
        SipMethod method = message.method();
        if (method != SipMethod.OTHER) {
            return methods.contains(method.name());
        }
        return methods.contains(message.methodName().toString());
    }

    private boolean inAny(RouteRequest request) {
        byte[] source = request.sourceBytes();
        for (Cidr cidr : sources) {
            if (cidr.contains(source)) {
                return true;
            }
        }
        return false;
    }

    private boolean startsWithAny(String user) {
        if (user == null) {
            return false;
        }
        for (String prefix : ruriUserPrefixes) {
            if (user.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static String hostOf(NameAddress address) {
        return address != null && address.uri() instanceof SipUri sip ? sip.host() : null;
    }

    /** {@code host} is one of {@code domains} or a name under one (case-insensitive). */
    private static boolean inDomain(String host, List<String> domains) {
        if (host == null) {
            return false;
        }
        for (String domain : domains) {
            if (host.equalsIgnoreCase(domain) || host.length() > domain.length()
                    && host.regionMatches(true, host.length() - domain.length(), domain, 0, domain.length())
                    && host.charAt(host.length() - domain.length() - 1) == '.') {
                return true;
            }
        }
        return false;
    }

    /** The conditions as an operator wrote them, for {@code GET /routes}. */
    public List<String> describe() {
        List<String> parts = new ArrayList<>();
        if (!methods.isEmpty()) {
            parts.add("method=" + String.join(",", new TreeSet<>(methods)));
        }
        if (ruriUser != null) {
            parts.add("ruri-user=" + ruriUser);
        }
        if (!ruriUserPrefixes.isEmpty()) {
            parts.add("ruri-user-prefix=" + String.join(",", ruriUserPrefixes));
        }
        if (ruriHost != null) {
            parts.add("ruri-host=" + ruriHost);
        }
        if (!ruriDomains.isEmpty()) {
            parts.add("ruri-domain=" + String.join(",", ruriDomains));
        }
        if (!sources.isEmpty()) {
            parts.add("source=" + String.join(",", sources.stream().map(Cidr::toString).toList()));
        }
        if (!listeners.isEmpty()) {
            parts.add("listen=" + String.join(",", new TreeSet<>(listeners)));
        }
        if (header != null) {
            parts.add("header=" + header + (headerValue == null ? "" : ": " + headerValue));
        }
        if (!fromDomains.isEmpty()) {
            parts.add("from-domain=" + String.join(",", fromDomains));
        }
        if (!toDomains.isEmpty()) {
            parts.add("to-domain=" + String.join(",", toDomains));
        }
        return parts;
    }

}
