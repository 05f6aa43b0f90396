package io.siplb.transport.demo;

import io.siplb.core.sip.HeaderName;
import io.siplb.core.sip.NameAddress;
import io.siplb.core.sip.ParseResult;
import io.siplb.core.sip.SipMessage;
import io.siplb.core.sip.SipParser;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A caller that places complete calls through the balancer — INVITE, then ACK and after a hold
 * time BYE along the Record-Route set of the 200 (RFC 3261 §12.1.2, §12.2) — and counts how they
 * end. It retransmits its INVITE on Timer A and its BYE on Timer E like any UAC. Set {@code ignoreRecordRoute} to
 * behave like a client that sends in-dialog requests to the balancer without a Route.
 */
public final class CallGenerator extends SipPeer {
    /** How a call ended, or that it has not yet. */
    public enum Outcome { COMPLETED, FAILED }

    private final InetSocketAddress balancer;
    private final boolean ignoreRecordRoute;
    private volatile InetSocketAddress inDialogTarget;
    private final Map<String, Call> calls = new HashMap<>();
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> finalStatuses = new ConcurrentHashMap<>();
    private final AtomicLong started = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder laterAnswers = new LongAdder();
    /** Call-ID and To tag of each later answer counted: the callee sends its 2xx again until an ACK. */
    private final Set<String> laterDialogs = ConcurrentHashMap.newKeySet();
    private long sequence;
    private ScheduledFuture<?> pacing;

    private final class Call {
        final String callId;
        final String invite;
        final String branch;
        String toTag;
        List<String> routes = List.of();
        String remoteTarget;
        ScheduledFuture<?> retransmission;
        ScheduledFuture<?> deadline;
        long interval = 500;
        boolean inviteFinal;
        final Duration hold;

        Call(String callId, String invite, String branch, Duration hold) {
            this.callId = callId;
            this.invite = invite;
            this.branch = branch;
            this.hold = hold;
        }
    }

    public CallGenerator(InetSocketAddress balancer, boolean ignoreRecordRoute) {
        this(balancer, ignoreRecordRoute, "127.0.0.1");
    }

    /** A caller on {@code host} (an address of the loopback range in tests). */
    public CallGenerator(InetSocketAddress balancer, boolean ignoreRecordRoute, String host) {
        super("caller", host, 0);
        this.balancer = balancer;
        this.ignoreRecordRoute = ignoreRecordRoute;
    }

    /**
     * Sends the ACKs and BYEs of dialogs to {@code target} instead of the balancer the INVITE went
     * to: another instance behind the same advertised name.
     */
    public void sendInDialogRequestsTo(InetSocketAddress target) {
        this.inDialogTarget = target;
    }

    /** Places calls at {@code perSecond}, each held for {@code hold}, until {@link #stop()}. */
    public void start(int perSecond, Duration hold) {
        long periodNanos = 1_000_000_000L / Math.max(1, perSecond);
        onThread(() -> pacing = scheduleEvery(periodNanos, hold));
    }

    private ScheduledFuture<?> scheduleEvery(long periodNanos, Duration hold) {
        return later(Duration.ofNanos(periodNanos), () -> {
            placeCall(hold);
            pacing = scheduleEvery(periodNanos, hold);
        });
    }

    public void stop() {
        onThread(() -> {
            if (pacing != null) {
                pacing.cancel(false);
            }
        });
    }

    /** Places one call now; returns its Call-ID. */
    public String call(Duration hold) {
        String callId = "call-" + address().getPort() + "-" + started.incrementAndGet() + "@127.0.0.1";
        onThread(() -> place(callId, hold));
        return callId;
    }

    private void placeCall(Duration hold) {
        String callId = "call-" + address().getPort() + "-" + started.incrementAndGet() + "@127.0.0.1";
        place(callId, hold);
    }

    private void place(String callId, Duration hold) {
        String branch = "z9hG4bKuac" + (++sequence) + Long.toHexString(System.nanoTime());
        String invite = "INVITE sip:service@" + hostPort(balancer) + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + hostPort(address()) + ";branch=" + branch + ";rport\r\n"
                + "From: caller <sip:caller@" + hostPort(address()) + ">;tag=" + callId.hashCode() + "\r\n"
                + "To: <sip:service@" + hostPort(balancer) + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: <sip:caller@" + hostPort(address()) + ">\r\n"
                + "Max-Forwards: 70\r\n"
                + "Content-Type: application/sdp\r\n"
                + "Content-Length: 0\r\n\r\n";
        Call call = new Call(callId, invite, branch, hold);
        calls.put(callId, call);
        sendText(invite);
        call.retransmission = later(Duration.ofMillis(call.interval), () -> retransmit(call));
        call.deadline = later(Duration.ofSeconds(40), () -> end(call, null));
    }

    private void retransmit(Call call) {
        if (call.inviteFinal || !calls.containsKey(call.callId)) {
            return;
        }
        sendText(call.invite);
        call.interval *= 2;
        call.retransmission = later(Duration.ofMillis(call.interval), () -> retransmit(call));
    }

    /** Timer E (RFC 3261 §17.1.2.2): the BYE again at T1 doubling up to T2 (4 s) until its final or the deadline. */
    private void retransmitBye(Call call, String bye) {
        if (!calls.containsKey(call.callId)) {
            return;
        }
        sendText(bye, inDialog());
        call.interval = Math.min(call.interval * 2, 4_000);
        call.retransmission = later(Duration.ofMillis(call.interval), () -> retransmitBye(call, bye));
    }

    @Override
    protected void onResponse(SipMessage response, InetSocketAddress source) {
        Call call = calls.get(response.callId().toString());
        if (call == null) {
            return;
        }
        String method = response.cseq().methodName();
        int status = response.statusCode();
        if (method.equals("INVITE")) {
            if (status < 200) {
                call.retransmission.cancel(false); // a provisional: Timer A stops
                return;
            }
            if (call.inviteFinal) {
                if (status >= 300) {
                    sendText(ack(call, response, true));
                } else if (!response.to().tag().equals(call.toTag)
                        && laterDialogs.add(call.callId + " " + response.to().tag())) {
                    laterAnswers.increment(); // a forking proxy relays every 2xx (RFC 3261 §16.7 step 5)
                }
                return;
            }
            call.inviteFinal = true;
            call.retransmission.cancel(false);
            finalStatuses.computeIfAbsent(status, s -> new LongAdder()).increment();
            call.toTag = response.to().tag();
            if (status >= 300) {
                sendText(ack(call, response, true));
                end(call, Outcome.FAILED);
                return;
            }
            List<String> routes = new ArrayList<>();
            for (NameAddress rr : response.recordRoutes()) {
                routes.add(0, "<" + rr.uri().text() + ">"); // the UAC reverses the Record-Route set
            }
            call.routes = ignoreRecordRoute ? List.of() : routes;
            NameAddress contact = response.contacts().isEmpty() ? null : response.contacts().get(0);
            call.remoteTarget = contact == null ? "sip:service@" + hostPort(balancer) : contact.uri().text();
            sendText(ack(call, response, false), inDialog());
            later(call.hold, () -> {
                String bye = bye(call); // built once: a retransmission is the same request
                sendText(bye, inDialog());
                call.interval = 500;
                call.retransmission = later(Duration.ofMillis(call.interval), () -> retransmitBye(call, bye));
            });
        } else if (method.equals("BYE") && status >= 200) {
            end(call, status < 300 ? Outcome.COMPLETED : Outcome.FAILED);
        }
    }

    private String ack(Call call, SipMessage response, boolean hopByHop) {
        String to = "To: " + response.headerValue(HeaderName.TO) + "\r\n";
        if (hopByHop) { // RFC 3261 §17.1.1.3: same branch, same Request-URI as the INVITE
            return "ACK sip:service@" + hostPort(balancer) + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP " + hostPort(address()) + ";branch=" + call.branch + ";rport\r\n"
                    + "From: caller <sip:caller@" + hostPort(address()) + ">;tag=" + call.callId.hashCode() + "\r\n"
                    + to + "Call-ID: " + call.callId + "\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
        }
        return inDialog(call, "ACK", 1);
    }

    private String bye(Call call) {
        return inDialog(call, "BYE", 2);
    }

    private String inDialog(Call call, String method, int cseq) {
        StringBuilder text = new StringBuilder()
                .append(method).append(' ').append(call.remoteTarget).append(" SIP/2.0\r\n")
                .append("Via: SIP/2.0/UDP ").append(hostPort(address())).append(";branch=z9hG4bKuac")
                .append(++sequence).append(Long.toHexString(System.nanoTime())).append(";rport\r\n")
                .append("From: caller <sip:caller@").append(hostPort(address())).append(">;tag=")
                .append(call.callId.hashCode()).append("\r\n")
                .append("To: <sip:service@").append(hostPort(balancer)).append(">;tag=").append(call.toTag).append("\r\n")
                .append("Call-ID: ").append(call.callId).append("\r\n")
                .append("CSeq: ").append(cseq).append(' ').append(method).append("\r\n")
                .append("Max-Forwards: 70\r\n");
        for (String route : call.routes) {
            text.append("Route: ").append(route).append("\r\n");
        }
        return text.append("Content-Length: 0\r\n\r\n").toString();
    }

    private void end(Call call, Outcome outcome) {
        if (calls.remove(call.callId) == null) {
            return;
        }
        call.deadline.cancel(false);
        if (call.retransmission != null) {
            call.retransmission.cancel(false);
        }
        Outcome result = outcome == null ? Outcome.FAILED : outcome;
        outcomes.put(call.callId, result);
        (result == Outcome.COMPLETED ? completed : failed).increment();
    }

    private InetSocketAddress inDialog() {
        InetSocketAddress target = inDialogTarget;
        return target != null ? target : balancer;
    }

    private void sendText(String text) {
        sendText(text, balancer);
    }

    private void sendText(String text, InetSocketAddress to) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ParseResult parsed = SipParser.DEFAULT.frame(bytes, bytes.length);
        send(((ParseResult.Parsed) parsed).message(), to);
    }

    private static String hostPort(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    @Override
    protected void onRequest(SipMessage request, InetSocketAddress source) {
        // a caller answers nothing in these scenarios
    }

    public long started() {
        return started.get();
    }

    public long completed() {
        return completed.sum();
    }

    public long failed() {
        return failed.sum();
    }

    /** How call {@code callId} ended, or {@code null} while it goes on. */
    public Outcome outcome(String callId) {
        return outcomes.get(callId);
    }

    /** How many INVITEs ended with each final status. */
    /**
     * 2xx answers from another callee after a call's first final (a forked INVITE): each dialog
     * counted once, not acknowledged — this caller keeps one dialog per call.
     */
    public long laterAnswers() {
        return laterAnswers.sum();
    }

    public Map<Integer, Long> finalStatuses() {
        Map<Integer, Long> counts = new HashMap<>();
        finalStatuses.forEach((status, count) -> counts.put(status, count.sum()));
        return counts;
    }

    /** Calls still going on. */
    public int inProgress() {
        return (int) (started.get() - completed.sum() - failed.sum());
    }
}
