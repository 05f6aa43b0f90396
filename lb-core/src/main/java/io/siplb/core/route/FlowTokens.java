package io.siplb.core.route;

import io.siplb.core.net.Peer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Flow tokens for UDP clients behind NAT (RFC 5626 §5.2): the address and port a client's
 * datagrams came from, and the lane whose socket they reached, signed with HMAC-SHA256 under
 * {@code siplb.nat.flow-key} and written base64url in the user part of our Path or Record-Route
 * entry ({@code <sip:TOKEN@lb.example.com;lr>}). A request that names a token is sent to that
 * address from that socket — the only way through the client's NAT binding — and a token that
 * does not verify is refused, so nobody can make siplb send to an address of their choosing.
 *
 * <p>The token's octets: the lane (2), the port (2), the address (4 or 16), then the first 10
 * octets of the HMAC over those. Not thread-safe (it holds a {@link Mac}): one per loop.
 */
public final class FlowTokens {
    private static final int MAC_OCTETS = 10;
    private static final int HEAD = 4;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final Mac mac;
    private final LongAdder rejected;

    /**
     * @param key the shared secret ({@code siplb.nat.flow-key})
     * @param rejected counts tokens that did not decode or verify
     */
    public FlowTokens(String key, LongAdder rejected) {
        try {
            this.mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
        this.rejected = rejected;
    }

    /** The token naming {@code address} reached from the socket of lane {@code lane}. */
    public String token(InetSocketAddress address, int lane) {
        byte[] ip = address.getAddress().getAddress();
        byte[] octets = new byte[HEAD + ip.length + MAC_OCTETS];
        octets[0] = (byte) (lane >>> 8);
        octets[1] = (byte) lane;
        octets[2] = (byte) (address.getPort() >>> 8);
        octets[3] = (byte) address.getPort();
        System.arraycopy(ip, 0, octets, HEAD, ip.length);
        System.arraycopy(sign(octets, HEAD + ip.length), 0, octets, HEAD + ip.length, MAC_OCTETS);
        return ENCODER.encodeToString(octets);
    }

    /**
     * The client a token names — a UDP {@link Peer} whose flow is the lane to send from ({@link
     * Peer#udpFlow}) — or {@code null}, counted, when it does not decode or its signature fails.
     */
    public Peer peer(String token) {
        byte[] octets;
        try {
            octets = DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            octets = null;
        }
        int ipLength = octets == null ? 0 : octets.length - HEAD - MAC_OCTETS;
        if (ipLength != 4 && ipLength != 16) {
            rejected.increment();
            return null;
        }
        byte[] expected = Arrays.copyOf(sign(octets, HEAD + ipLength), MAC_OCTETS);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(octets, HEAD + ipLength, octets.length))) {
            rejected.increment();
            return null;
        }
        try {
            InetAddress ip = InetAddress.getByAddress(Arrays.copyOfRange(octets, HEAD, HEAD + ipLength));
            int lane = (octets[0] & 0xff) << 8 | octets[1] & 0xff;
            int port = (octets[2] & 0xff) << 8 | octets[3] & 0xff;
            return Peer.udpFlow(new InetSocketAddress(ip, port), lane);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 octets are always an address", e);
        }
    }

    private byte[] sign(byte[] octets, int length) {
        mac.update(octets, 0, length);
        return mac.doFinal();
    }
}
