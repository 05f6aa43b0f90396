package io.siplb.transport;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.WebsocketClientSpec;

/**
 * A SIP-over-WebSocket client, as a browser's SIP stack is one (RFC 7118): Reactor Netty's
 * WebSocket client offering subprotocol {@code sip}, one SIP message per text frame, messages
 * received in order.
 */
final class WsPeer implements AutoCloseable {
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final Sinks.Many<WebSocketFrame> outbound = Sinks.many().unicast().onBackpressureBuffer();
    private final CompletableFuture<String> subprotocol = new CompletableFuture<>();
    private final CompletableFuture<WebSocketCloseStatus> closed = new CompletableFuture<>();
    private final Disposable connection;

    private WsPeer(String url, String origin, SslContext tls) {
        HttpClient client = HttpClient.create().headers(h -> {
            if (origin != null) {
                h.set("Origin", origin);
            }
        });
        if (tls != null) {
            client = client.secure(spec -> spec.sslContext(tls));
        }
        connection = client.websocket(WebsocketClientSpec.builder().protocols("sip")
                        .maxFramePayloadLength(4 << 20).build())
                .uri(url)
                .handle((in, out) -> {
                    subprotocol.complete(String.valueOf(in.selectedSubprotocol()));
                    in.receiveCloseStatus().subscribe(closed::complete, closed::completeExceptionally,
                            () -> closed.complete(WebSocketCloseStatus.EMPTY));
                    Mono<Void> reading = in.aggregateFrames(4 << 20).receiveFrames().doOnNext(frame -> {
                        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
                            received.add(frame.content().toString(StandardCharsets.UTF_8));
                        }
                    }).then();
                    return Mono.when(out.sendObject(outbound.asFlux()).then(), reading);
                })
                .subscribe(ignored -> { }, failure -> {
                    subprotocol.completeExceptionally(failure);
                    closed.complete(WebSocketCloseStatus.ABNORMAL_CLOSURE);
                }, () -> closed.complete(WebSocketCloseStatus.EMPTY));
    }

    /** Connected and upgraded to {@code url} ({@code ws://127.0.0.1:port/path}). */
    static WsPeer connect(String url, String origin, SslContext tls) throws Exception {
        WsPeer peer = new WsPeer(url, origin, tls);
        peer.subprotocol.get(5, TimeUnit.SECONDS);
        return peer;
    }

    /** From the test's allowed origin (Netty's client sends an Origin of its own otherwise). */
    static WsPeer connect(String url) throws Exception {
        return connect(url, "https://phone.example.com", null);
    }

    /** The subprotocol the server chose. */
    String subprotocol() throws Exception {
        return subprotocol.get(5, TimeUnit.SECONDS);
    }

    void send(String sip) {
        outbound.tryEmitNext(new TextWebSocketFrame(Unpooled.copiedBuffer(sip, StandardCharsets.UTF_8)));
    }

    void sendBinary(byte[] octets) {
        outbound.tryEmitNext(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(octets)));
    }

    /** The next message starting with {@code start} (others before it are skipped), within 5 s. */
    String receive(String start) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            String message = received.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (message == null) {
                throw new AssertionError("no message starting with '" + start + "' within 5 s");
            }
            if (message.startsWith(start)) {
                return message;
            }
        }
    }

    /** The next message, or {@code null} when none comes within {@code wait}. */
    String poll(Duration wait) throws InterruptedException {
        return received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The close status the server sent, once the connection has closed. */
    WebSocketCloseStatus closeStatus(Duration wait) throws Exception {
        return closed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        outbound.tryEmitComplete();
        connection.dispose();
    }
}
