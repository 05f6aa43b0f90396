package io.siplb.transport.demo;

import io.netty.util.AsciiString;
import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.MessageFactory;
import io.siplb.core.sip.SipMessage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A SIP server behind the balancer, as small as a real one can be: it answers INVITE with 180
 * then 200 (Record-Route copied, Contact set; the 200 sent again until its ACK comes), REGISTER with 200 and its binding, BYE and OPTIONS with 200, CANCEL with 200 and
 * 487, and absorbs ACKs. How it misbehaves is set per backend: a share of INVITEs refused with
 * 503, silence, the first INVITE of each call dropped (to exercise retransmission), or a ringing
 * time before the 200.
 */
public final class Backend extends SipPeer {
    /**
     * How the backend misbehaves.
     *
     * @param refuseShare the share of INVITEs refused with {@code refuseStatus}
     * @param refuseStatus the status they are refused with (503 carries Retry-After)
     */
    public record Behaviour(double refuseShare, int refuseStatus, boolean silent, boolean dropFirstInvite,
            Duration ringing) {
        public static final Behaviour HEALTHY = new Behaviour(0, 503, false, false, Duration.ZERO);

        /** A share of INVITEs refused with 503. */
        public static Behaviour refusing(double share) {
            return refusing(share, 503);
        }

        /** A share of INVITEs refused with {@code status}. */
        public static Behaviour refusing(double share, int status) {
            return new Behaviour(share, status, false, false, Duration.ZERO);
        }

        public static Behaviour silentOne() {
            return new Behaviour(0, 503, true, false, Duration.ZERO);
        }
    }

    private final String name;
    private volatile Behaviour behaviour;
    /** Header lines its OPTIONS answers carry, as a FreeSWITCH reports its load ({@code X-FS-Calls: 12}). */
    private volatile String[] optionsHeaders = new String[0];
    /** A header its OPTIONS answers carry with its calls in progress (answered, BYE not yet seen); null for none. */
    private volatile String liveCallsHeader;
    private final Map<String, SipMessage> finals = new HashMap<>();
    /** 2xx finals whose ACK has not come, by Call-ID: sent again until it does. */
    private final Map<String, SipMessage> unacknowledged = new ConcurrentHashMap<>();
    private final Map<String, SipMessage> pendingInvites = new HashMap<>();
    private final Map<String, Boolean> seen = new HashMap<>();
    private final AtomicLong invites = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong byes = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final Queue<String> requestUris = new ConcurrentLinkedQueue<>();
    private final Queue<String> callerVias = new ConcurrentLinkedQueue<>();
    private final Map<String, LongAdder> byMethod = new ConcurrentHashMap<>();
    private final Map<String, Set<InetSocketAddress>> sources = new ConcurrentHashMap<>();

    public Backend(String name, int port, Behaviour behaviour) {
        this(name, "127.0.0.1", port, behaviour);
    }

    /** On {@code host} (a local address) and {@code port} (0: the kernel chooses). */
    public Backend(String name, String host, int port, Behaviour behaviour) {
        super(name, host, port);
        this.name = name;
        this.behaviour = behaviour;
    }

    /** From now on its OPTIONS answers carry {@code lines} ({@code "X-FS-Calls: 12"}). */
    public void answerOptionsWith(String... lines) {
        optionsHeaders = lines.clone();
    }

    /** From now on its OPTIONS answers carry {@code header: N}, N its calls in progress, as FreeSWITCH's X-FS-Calls. */
    public void reportLiveCallsIn(String header) {
        liveCallsHeader = header;
    }

    private String[] optionsHeaders() {
        String header = liveCallsHeader;
        if (header == null) {
            return optionsHeaders;
        }
        String[] lines = Arrays.copyOf(optionsHeaders, optionsHeaders.length + 1);
        lines[lines.length - 1] = header + ": " + Math.max(0, answered.get() - byes.get());
        return lines;
    }

    public void behave(Behaviour next) {
        behaviour = next;
    }

    public String name() {
        return name;
    }

    /** INVITEs received (retransmissions included). */
    public long invites() {
        return invites.get();
    }

    public long answered() {
        return answered.get();
    }

    public long refused() {
        return refused.get();
    }

    public long byes() {
        return byes.get();
    }

    /** The Request-URIs of the first 1000 INVITEs received, retransmissions included. */
    public List<String> inviteRequestUris() {
        return List.copyOf(requestUris);
    }

    /** Requests received with {@code method}, retransmissions included. */
    public long requests(String method) {
        LongAdder count = byMethod.get(method);
        return count == null ? 0 : count.sum();
    }

    /** The bottom Via (the caller's, as the proxies stamped it) of the first 1000 INVITEs received. */
    public List<String> callerVias() {
        return List.copyOf(callerVias);
    }

    /** Forgets the sources seen so far ({@link #sources}). */
    public void clearSources() {
        sources.clear();
    }

    /** Every request received, retransmissions included. */
    public long requests() {
        return requests.get();
    }

    /** The addresses requests with {@code method} came from (the first 1000 distinct ones). */
    public Set<InetSocketAddress> sources(String method) {
        Set<InetSocketAddress> from = sources.get(method);
        return from == null ? Set.of() : Set.copyOf(from);
    }

    @Override
    protected void onRequest(SipMessage request, InetSocketAddress source) {
        requests.incrementAndGet();
        byMethod.computeIfAbsent(request.methodName().toString(), m -> new LongAdder())
                .increment();
        Set<InetSocketAddress> from = sources.computeIfAbsent(request.methodName().toString(),
                m -> ConcurrentHashMap.newKeySet());
        if (from.size() < 1000) {
            from.add(source);
        }
        Behaviour now = behaviour;
        if (now.silent()) {
            return;
        }
        String key = request.topVia().branch() + " " + request.cseq().methodName();
        switch (request.method()) {
            case INVITE -> onInvite(request, source, key, now);
            case ACK -> unacknowledged.remove(request.callId().toString());
            case CANCEL -> onCancel(request, source);
            case BYE -> {
                byes.incrementAndGet();
                send(MessageFactory.response(request, 200, "OK", tag(request)), source);
            }
            case REGISTER -> send(registered(request), source);
            case OPTIONS -> send(MessageFactory.response(request, 200, "OK", tag(request), optionsHeaders()), source);
            default -> send(MessageFactory.response(request, 200, "OK", tag(request)), source);
        }
    }

    /**
     * A registrar that accepts every binding: 200 with the Contact and Path sent (RFC 3261
     * §10.3 step 8, RFC 3327 §5.3), so a client that checks its binding in the answer registers.
     */
    private SipMessage registered(SipMessage register) {
        List<String> lines = new ArrayList<>();
        AsciiString contact = register.headerValue(HeaderName.CONTACT);
        AsciiString expires = register.headerValue(HeaderName.EXPIRES);
        if (contact != null && !contact.toString().trim().equals("*")
                && !(expires != null && expires.toString().trim().equals("0")) && !contact.toString().contains("expires=0")) {
            lines.add("Contact: " + contact + (contact.toString().contains("expires=") ? ""
                    : ";expires=" + (expires == null ? "3600" : expires.toString().trim())));
        }
        AsciiString path = register.headerValue(HeaderName.PATH);
        if (path != null) {
            lines.add("Path: " + path);
        }
        return MessageFactory.response(register, 200, "OK", tag(register), lines.toArray(String[]::new));
    }

    private void onInvite(SipMessage invite, InetSocketAddress source, String key, Behaviour now) {
        invites.incrementAndGet();
        if (requestUris.size() < 1000) {
            requestUris.add(invite.requestUriText().toString());
            callerVias.add(invite.vias().get(invite.vias().size() - 1).toString());
        }
        if (now.dropFirstInvite() && seen.putIfAbsent(key, Boolean.TRUE) == null) {
            return; // lost on the way: the balancer's Timer A must send it again
        }
        SipMessage done = finals.get(key);
        if (done != null) {
            send(done, source); // a retransmission: the same final again
            return;
        }
        if (pendingInvites.containsKey(key)) {
            return;
        }
        String tag = tag(invite);
        if (now.refuseShare() > 0 && ThreadLocalRandom.current().nextDouble() < now.refuseShare()) {
            refused.incrementAndGet();
            SipMessage busy = now.refuseStatus() == 503 ? MessageFactory.serviceUnavailable(invite, tag, 5)
                    : MessageFactory.response(invite, now.refuseStatus(), "Refused", tag);
            finals.put(key, busy);
            send(busy, source);
            return;
        }
        send(MessageFactory.response(invite, 180, "Ringing", tag), source);
        pendingInvites.put(key, invite);
        if (now.ringing().isZero()) {
            answer(key, source);
        } else {
            later(now.ringing(), () -> answer(key, source));
        }
    }

    private void answer(String key, InetSocketAddress source) {
        SipMessage invite = pendingInvites.remove(key);
        if (invite == null) {
            return; // cancelled meanwhile
        }
        answered.incrementAndGet();
        SipMessage ok = ok(invite);
        finals.put(key, ok);
        send(ok, source);
        String callId = invite.callId().toString();
        unacknowledged.put(callId, ok);
        resendUntilAcknowledged(callId, ok, source, 500, 0);
        later(Duration.ofSeconds(40), () -> finals.remove(key));
    }

    /**
     * RFC 3261 §13.3.1.4: a UAS sends its 2xx again at T1, doubling up to T2, until the ACK comes
     * or 64·T1 has passed — the proxies relay a 2xx statelessly, so only the UAS recovers a lost one.
     */
    private void resendUntilAcknowledged(String callId, SipMessage ok, InetSocketAddress source, long intervalMillis,
            long elapsedMillis) {
        later(Duration.ofMillis(intervalMillis), () -> {
            if (unacknowledged.get(callId) != ok) {
                return; // acknowledged
            }
            if (elapsedMillis + intervalMillis >= 32_000) {
                unacknowledged.remove(callId, ok);
                return;
            }
            send(ok, source);
            resendUntilAcknowledged(callId, ok, source, Math.min(intervalMillis * 2, 4_000),
                    elapsedMillis + intervalMillis);
        });
    }

    private void onCancel(SipMessage cancel, InetSocketAddress source) {
        send(MessageFactory.response(cancel, 200, "OK", tag(cancel)), source);
        String key = cancel.topVia().branch() + " INVITE";
        SipMessage invite = pendingInvites.remove(key);
        if (invite != null) {
            SipMessage terminated = MessageFactory.response(invite, 487, "Request Terminated", tag(invite));
            finals.put(key, terminated);
            send(terminated, source);
        }
    }

    /** The 200 for an INVITE: Record-Route copied (RFC 3261 §12.1.1), our Contact added. */
    private SipMessage ok(SipMessage invite) {
        return MessageFactory.dialogResponse(invite, 200, "OK", tag(invite),
                "sip:" + name + "@127.0.0.1:" + address().getPort());
    }

    /** A To tag that is the same for every response of a call. */
    private String tag(SipMessage request) {
        String existing = request.to() == null ? null : request.to().tag();
        return existing != null ? existing : name + Integer.toHexString(request.callId().hashCode());
    }

    @Override
    protected void onResponse(SipMessage response, InetSocketAddress source) {
        // a backend sends no requests
    }

    @Override
    public String toString() {
        return name + " " + address() + " " + behaviour;
    }
}
