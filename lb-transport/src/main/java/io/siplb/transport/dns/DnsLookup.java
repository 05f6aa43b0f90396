package io.siplb.transport.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The DNS queries RFC 3263 needs, over Netty's {@link DnsNameResolver} (its own loop, never a SIP
 * one): NAPTR, SRV, and A/AAAA with CNAME chains followed, each answer with the smallest TTL it
 * was built from. Records are decoded as the response arrives and the response released; what
 * goes wrong — NXDOMAIN for an address, SERVFAIL, a truncated or malformed answer, a CNAME loop, a
 * timeout — completes the future with a {@link Failure} naming it; nothing is thrown to a caller.
 */
final class DnsLookup {
    /** Why a lookup failed: {@code reason} is the metric label, the message the log line. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String reason;

        Failure(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }

        /** What a future failed with, as a failure: unwrapped from CompletionException, else "error". */
        static Failure of(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            return cause instanceof Failure f ? f : new Failure("error", String.valueOf(cause.getMessage()));
        }
    }

    /** Records of one type and the smallest TTL among them (seconds; {@code Long.MAX_VALUE} for none). */
    record Answer<T>(List<T> records, long ttl) {
    }

    record Srv(int priority, int weight, int port, String target) {
    }

    record Naptr(int order, int preference, String flags, String service, String replacement) {
    }

    /** One answer record, decoded: an address, a CNAME's target, an {@link Srv} or a {@link Naptr}. */
    private record Decoded(DnsRecordType type, long ttl, Object value) {
    }

    private static final int MAX_CNAMES = 8;

    private final DnsNameResolver resolver;

    DnsLookup(DnsNameResolver resolver) {
        this.resolver = resolver;
    }

    /** The NAPTR records of {@code name}; none (NXDOMAIN included) is an empty answer. */
    CompletableFuture<Answer<Naptr>> naptr(String name) {
        return query(name, DnsRecordType.NAPTR, true).thenApply(records -> of(records, DnsRecordType.NAPTR, Naptr.class));
    }

    /** The SRV records of {@code name}; none (NXDOMAIN included) is an empty answer. */
    CompletableFuture<Answer<Srv>> srv(String name) {
        return query(name, DnsRecordType.SRV, true).thenApply(records -> of(records, DnsRecordType.SRV, Srv.class));
    }

    /** The A and AAAA addresses of {@code name}, A first; fails when it has none. */
    CompletableFuture<Answer<InetAddress>> addresses(String name) {
        CompletableFuture<Answer<InetAddress>> v4 = addresses(name, DnsRecordType.A, new HashSet<>());
        CompletableFuture<Answer<InetAddress>> v6 = addresses(name, DnsRecordType.AAAA, new HashSet<>());
        return v4.handle(Attempt::new).thenCombine(v6.handle(Attempt::new), (a, b) -> {
            List<InetAddress> all = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            for (Attempt<InetAddress> attempt : List.of(a, b)) {
                if (attempt.answer() != null) {
                    all.addAll(attempt.answer().records());
                    ttl = Math.min(ttl, attempt.answer().ttl());
                }
            }
            if (all.isEmpty()) {
                // the A query's failure says most (NXDOMAIN, SERVFAIL, a loop); else there is no address
                Throwable cause = a.error() != null ? a.error() : b.error();
                throw cause != null ? Failure.of(cause) : new Failure("no-address", name + " has no A or AAAA record");
            }
            return new Answer<>(all, ttl);
        });
    }

    private record Attempt<T>(Answer<T> answer, Throwable error) {
    }

    private CompletableFuture<Answer<InetAddress>> addresses(String name, DnsRecordType type, Set<String> seen) {
        if (!seen.add(name.toLowerCase(Locale.ROOT)) || seen.size() > MAX_CNAMES) {
            return CompletableFuture.failedFuture(new Failure("cname-loop", "the CNAME chain of " + name + " loops"));
        }
        return query(name, type, false).thenCompose(records -> {
            List<InetAddress> found = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            String alias = null;
            for (Decoded record : records) {
                if (record.type() == type) {
                    found.add((InetAddress) record.value());
                    ttl = Math.min(ttl, record.ttl());
                } else if (record.type() == DnsRecordType.CNAME) {
                    alias = (String) record.value();
                    ttl = Math.min(ttl, record.ttl());
                }
            }
            if (!found.isEmpty() || alias == null) {
                return CompletableFuture.completedFuture(new Answer<>(found, ttl));
            }
            long chainTtl = ttl;
            return addresses(alias, type, seen).thenApply(a -> new Answer<>(a.records(), Math.min(chainTtl, a.ttl())));
        });
    }

    private static <T> Answer<T> of(List<Decoded> records, DnsRecordType type, Class<T> kind) {
        List<T> out = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (Decoded record : records) {
            if (record.type() == type) {
                out.add(kind.cast(record.value()));
                ttl = Math.min(ttl, record.ttl());
            }
        }
        return new Answer<>(out, ttl);
    }

    /**
     * The answer records of one query, decoded. NXDOMAIN is an empty list when {@code emptyIsAnswer}
     * (no NAPTR or SRV: the caller falls back), else a failure; SERVFAIL, REFUSED, a truncated
     * response or a timeout is a failure.
     */
    private CompletableFuture<List<Decoded>> query(String name, DnsRecordType type, boolean emptyIsAnswer) {
        CompletableFuture<List<Decoded>> result = new CompletableFuture<>();
        resolver.query(new DefaultDnsQuestion(name, type)).addListener(done -> {
            if (!done.isSuccess()) {
                Throwable cause = done.cause();
                result.completeExceptionally(cause instanceof DnsNameResolverTimeoutException
                        ? new Failure("timeout", type.name() + " " + name + ": no answer in time")
                        : new Failure("error", type.name() + " " + name + ": " + cause.getMessage()));
                return;
            }
            @SuppressWarnings("unchecked")
            AddressedEnvelope<DnsResponse, InetSocketAddress> envelope =
                    (AddressedEnvelope<DnsResponse, InetSocketAddress>) done.getNow();
            try {
                result.complete(decode(envelope.content(), name, type, emptyIsAnswer));
            } catch (Failure failure) {
                result.completeExceptionally(failure);
            } catch (RuntimeException e) {
                result.completeExceptionally(new Failure("malformed", type.name() + " " + name + ": " + e));
            } finally {
                envelope.release();
            }
        });
        return result;
    }

    private static List<Decoded> decode(DnsResponse response, String name, DnsRecordType type, boolean emptyIsAnswer) {
        if (response.isTruncated()) {
            throw new Failure("truncated", type.name() + " " + name + ": truncated answer");
        }
        DnsResponseCode code = response.code();
        if (code == DnsResponseCode.NXDOMAIN) {
            if (emptyIsAnswer) {
                return List.of();
            }
            throw new Failure("nxdomain", type.name() + " " + name + ": NXDOMAIN");
        }
        if (code != DnsResponseCode.NOERROR) {
            throw new Failure(reason(code), type.name() + " " + name + ": " + code);
        }
        List<Decoded> out = new ArrayList<>();
        for (int i = 0; i < response.count(DnsSection.ANSWER); i++) {
            DnsRecord record = response.recordAt(DnsSection.ANSWER, i);
            if (!(record instanceof DnsRawRecord raw)) {
                continue;
            }
            // the content shares the whole message: compressed names decode against it
            ByteBuf in = raw.content().duplicate();
            long ttl = Math.max(0, record.timeToLive());
            DnsRecordType kind = record.type();
            Object value;
            if (kind == DnsRecordType.A || kind == DnsRecordType.AAAA) {
                byte[] bytes = new byte[in.readableBytes()];
                in.readBytes(bytes);
                if (bytes.length != (kind == DnsRecordType.A ? 4 : 16)) {
                    throw new Failure("malformed", kind.name() + " " + name + ": " + bytes.length + " octets of address");
                }
                try {
                    value = InetAddress.getByAddress(bytes);
                } catch (UnknownHostException e) {
                    throw new Failure("malformed", e.getMessage());
                }
            } else if (kind == DnsRecordType.CNAME) {
                value = DefaultDnsRecordDecoder.decodeName(in);
            } else if (kind == DnsRecordType.SRV) {
                value = new Srv(in.readUnsignedShort(), in.readUnsignedShort(), in.readUnsignedShort(),
                        DefaultDnsRecordDecoder.decodeName(in));
            } else if (kind == DnsRecordType.NAPTR) {
                int order = in.readUnsignedShort();
                int preference = in.readUnsignedShort();
                String flags = characterString(in);
                String service = characterString(in);
                characterString(in); // the regexp: SIP NAPTRs use the replacement (RFC 3263 §4.1)
                value = new Naptr(order, preference, flags.toLowerCase(Locale.ROOT), service.toUpperCase(Locale.ROOT),
                        DefaultDnsRecordDecoder.decodeName(in));
            } else {
                continue;
            }
            out.add(new Decoded(kind, ttl, value));
        }
        return out;
    }

    /** The metric label of an error code: {@code servfail}, {@code refused}, {@code notimp}, else {@code rcode-N}. */
    private static String reason(DnsResponseCode code) {
        if (code == DnsResponseCode.SERVFAIL) {
            return "servfail";
        }
        if (code == DnsResponseCode.REFUSED) {
            return "refused";
        }
        if (code == DnsResponseCode.NOTIMP) {
            return "notimp";
        }
        return "rcode-" + code.intValue();
    }

    /** A DNS character-string: a length octet and that many octets. */
    private static String characterString(ByteBuf in) {
        int length = in.readUnsignedByte();
        return in.readCharSequence(length, StandardCharsets.US_ASCII).toString();
    }
}
