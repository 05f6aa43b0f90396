package io.siplb.transport.protect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.siplb.core.route.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Per-source limits and bans, Kamailio's {@code pike} with {@code secfilter}'s User-Agent list:
 *
 * <ul>
 *   <li>more than {@code siplb.protect.rate} requests from one address within
 *       {@code siplb.protect.window} (a fixed window per source) ban it for
 *       {@code siplb.protect.ban};</li>
 *   <li>a request whose User-Agent contains one of {@code siplb.protect.user-agents} bans its
 *       source at once;</li>
 *   <li>more than {@code siplb.protect.auth-failures} 401/407/403 answers to one address within
 *       the window (password guessing) ban it.</li>
 * </ul>
 *
 * A banned source's datagrams are dropped before they are parsed, unanswered (an answer only
 * feeds the scanner); with {@code siplb.protect.ban-dialogs=false} the transport still parses them
 * to let requests of dialogs already established through siplb pass. Trusted blocks and the
 * destinations of the list (their address and port) are never limited. Memory is bounded: at most
 * {@code siplb.protect.max-sources} sources are counted and banned, the least recently seen
 * forgotten first (a spoofed flood from many addresses evicts itself). Constant time per datagram;
 * shared by every event loop.
 */
public final class SourceGuard {
    /** Why a datagram was dropped, as the metric's {@code reason} label says it. */
    public enum Reason {
        /** From a banned source. */
        BANNED("banned"),
        /** The request that took its source over the rate. */
        RATE("rate"),
        /** A scanner's User-Agent. */
        SCANNER("scanner"),
        /** The burst of authentication failures (counted when the source is banned). */
        AUTH_FAILURES("auth-failures"),
        /** An operator's ban ({@code POST /protect/ban}); nothing is dropped under this reason. */
        ADMIN("admin");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** Whether datagrams are dropped and counted under it (an operator's ban counts under {@link #BANNED}). */
        public boolean drops() {
            return this != ADMIN;
        }

        /** The reason labelled {@code label}, or {@code null}. */
        public static Reason of(String label) {
            for (Reason reason : values()) {
                if (reason.label.equals(label)) {
                    return reason;
                }
            }
            return null;
        }
    }

    /**
     * Hears the bans this guard decides and lifts (not those it takes from another node through
     * {@link #adoptBan}/{@link #adoptUnban}): a cluster publishes them. Called on the thread that
     * decided; it must not block.
     */
    public interface BanListener {
        void banned(Ban ban);

        void unbanned(InetAddress source);
    }

    /** What the transport does with a datagram before parsing it. */
    public enum Verdict {
        /** Parse and handle it. */
        PASS,
        /** Drop it (counted here). */
        DROP,
        /** From a banned source: pass it only if it is a request of an established dialog. */
        DIALOGS_ONLY
    }

    /** A ban in force. */
    public record Ban(InetAddress source, Reason reason, long untilNanos) {
    }

    /** A fixed window of counts for one source. */
    private static final class Window {
        private long start;
        private int count;

        synchronized int add(long now, long length) {
            if (now - start >= length) {
                start = now;
                count = 0;
            }
            return ++count;
        }
    }

    private final ProtectSettings settings;
    private final Ticker ticker;
    private final Cache<InetAddress, Window> requests;
    private final Cache<InetAddress, Window> failures;
    private final Cache<InetAddress, Ban> bans;
    private final Map<Reason, LongAdder> dropped = new EnumMap<>(Reason.class);
    private final LongAdder bansIssued = new LongAdder();
    private volatile Predicate<InetSocketAddress> destinations = address -> false;
    private volatile BanListener listener;

    public SourceGuard(ProtectSettings settings, Ticker ticker) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        long window = settings.window().toNanos();
        this.requests = Caffeine.newBuilder().ticker(ticker).maximumSize(settings.maxSources())
                .expireAfterAccess(2 * window, TimeUnit.NANOSECONDS).build();
        this.failures = Caffeine.newBuilder().ticker(ticker).maximumSize(settings.maxSources())
                .expireAfterAccess(2 * window, TimeUnit.NANOSECONDS).build();
        this.bans = Caffeine.newBuilder().ticker(ticker).maximumSize(settings.maxSources())
                .expireAfter(new Expiry<InetAddress, Ban>() {
                    @Override
                    public long expireAfterCreate(InetAddress source, Ban ban, long now) {
                        return Math.max(0, ban.untilNanos() - now);
                    }

                    @Override
                    public long expireAfterUpdate(InetAddress source, Ban ban, long now, long left) {
                        return Math.max(0, ban.untilNanos() - now);
                    }

                    @Override
                    public long expireAfterRead(InetAddress source, Ban ban, long now, long left) {
                        return left;
                    }
                }).build();
        for (Reason reason : Reason.values()) {
            dropped.put(reason, new LongAdder());
        }
    }

    /**
     * Which address and port pairs are destinations of the list (never limited); asked per
     * datagram, keep it cheap. The port counts: a scanner on a destination's host is not trusted.
     */
    public void destinations(Predicate<InetSocketAddress> isDestination) {
        this.destinations = Objects.requireNonNull(isDestination, "isDestination");
    }

    /**
     * Before parsing: a datagram from {@code source}; {@code request} when it does not start like a
     * response. Counts it against the source's rate.
     */
    public Verdict admit(InetSocketAddress from, boolean request) {
        InetAddress source = from.getAddress();
        if (trusted(from)) {
            return Verdict.PASS;
        }
        Ban ban = bans.getIfPresent(source);
        if (ban != null) {
            if (settings.banDialogs() || !request) {
                dropped.get(Reason.BANNED).increment();
                return Verdict.DROP;
            }
            return Verdict.DIALOGS_ONLY;
        }
        if (request && settings.rate() > 0) {
            int count = requests.get(source, address -> new Window()).add(ticker.read(), settings.window().toNanos());
            if (count > settings.rate()) {
                ban(source, Reason.RATE);
                dropped.get(Reason.RATE).increment();
                return Verdict.DROP;
            }
        }
        return Verdict.PASS;
    }

    /** A banned source's request that was not of an established dialog: dropped. */
    public void droppedBanned() {
        dropped.get(Reason.BANNED).increment();
    }

    /**
     * After parsing a request: whether its User-Agent is a scanner's. If so its source is banned
     * and the request is to be dropped (counted here).
     */
    public boolean scanner(InetSocketAddress from, CharSequence userAgent) {
        InetAddress source = from.getAddress();
        if (userAgent == null || settings.userAgents().isEmpty() || trusted(from)) {
            return false;
        }
        String agent = userAgent.toString().toLowerCase(Locale.ROOT);
        for (String signature : settings.userAgents()) {
            if (agent.contains(signature)) {
                ban(source, Reason.SCANNER);
                dropped.get(Reason.SCANNER).increment();
                return true;
            }
        }
        return false;
    }

    /** A response of {@code status} went to {@code to}: 401, 407 and 403 count as auth failures. */
    public void answered(InetSocketAddress destination, int status) {
        if (settings.authFailures() == 0 || status != 401 && status != 407 && status != 403 || trusted(destination)) {
            return;
        }
        InetAddress to = destination.getAddress();
        int count = failures.get(to, address -> new Window()).add(ticker.read(), settings.window().toNanos());
        if (count > settings.authFailures() && bans.getIfPresent(to) == null) {
            ban(to, Reason.AUTH_FAILURES);
            dropped.get(Reason.AUTH_FAILURES).increment();
        }
    }

    /** Who hears the bans decided and lifted here ({@link BanListener}); one at most. */
    public void listener(BanListener listener) {
        this.listener = listener;
    }

    private void ban(InetAddress source, Reason reason) {
        ban(source, reason, settings.ban());
    }

    /** Bans {@code source} for {@code length} as an operator asks ({@code POST /protect/ban}). */
    public void ban(InetAddress source, Duration length) {
        ban(source, Reason.ADMIN, length);
    }

    private void ban(InetAddress source, Reason reason, Duration length) {
        Ban ban = new Ban(source, reason, ticker.read() + length.toNanos());
        bans.put(source, ban);
        requests.invalidate(source);
        bansIssued.increment();
        BanListener heard = listener;
        if (heard != null) {
            heard.banned(ban);
        }
    }

    /**
     * Takes a ban another node decided, for {@code left} from now (not heard by the listener,
     * not counted as issued here). A source this guard trusts is not banned.
     */
    public void adoptBan(InetAddress source, Reason reason, Duration left) {
        if (left.isNegative() || left.isZero() || trusted(new InetSocketAddress(source, 0))) {
            return;
        }
        bans.put(source, new Ban(source, reason, ticker.read() + left.toNanos()));
        requests.invalidate(source);
    }

    /** Lifts a ban as another node did (not heard by the listener). */
    public void adoptUnban(InetAddress source) {
        bans.invalidate(source);
    }

    private boolean trusted(InetSocketAddress from) {
        return Cidr.anyContains(settings.trusted(), from.getAddress()) || destinations.test(from);
    }

    /** The bans in force. */
    public List<Ban> bans() {
        long now = ticker.read();
        List<Ban> list = new ArrayList<>();
        for (Ban ban : bans.asMap().values()) {
            if (ban.untilNanos() > now) {
                list.add(ban);
            }
        }
        return list;
    }

    /** Lifts the ban of {@code source}; false when it had none. */
    public boolean unban(InetAddress source) {
        boolean lifted = bans.asMap().remove(source) != null;
        BanListener heard = listener;
        if (heard != null) {
            heard.unbanned(source); // lifted everywhere, even where this node had not heard of it
        }
        return lifted;
    }

    /** Sources banned now, as Caffeine estimates it (expired bans go at its next maintenance). */
    public long banned() {
        return bans.estimatedSize();
    }

    /** Datagrams dropped for {@code reason}. */
    public long dropped(Reason reason) {
        return dropped.get(reason).sum();
    }

    /** Bans issued since start. */
    public long bansIssued() {
        return bansIssued.sum();
    }

    /** Sources being counted now (memory check for floods from many addresses). */
    public long trackedSources() {
        requests.cleanUp();
        return requests.estimatedSize();
    }

    /** What now is on this guard's clock (for the time left of a ban). */
    public long now() {
        return ticker.read();
    }

    public ProtectSettings settings() {
        return settings;
    }
}
