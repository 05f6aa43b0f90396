package io.siplb.transport.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** The admin API's plumbing: query parameters, JSON answers, 400 for a bad parameter. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();

    private Http() {
    }

    /** A parameter that is missing or malformed: answered 400. */
    static final class BadRequest extends RuntimeException {
        static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    interface Handler {
        Publisher<Void> handle();
    }

    static Map<String, List<String>> query(HttpServerRequest request) {
        return new QueryStringDecoder(request.uri()).parameters();
    }

    static String single(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty() || values.get(0).isBlank()) {
            throw new BadRequest("missing parameter " + name);
        }
        return values.get(0).trim();
    }

    static String optional(Map<String, List<String>> query, String name, String fallback) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? fallback : values.get(0).trim();
    }

    static int setId(Map<String, List<String>> query) {
        String text = single(query, "set");
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new BadRequest("set must be a number, not '" + text + "'");
        }
    }

    static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    static Publisher<Void> json(HttpServerResponse response, HttpResponseStatus status, Object body) {
        String text;
        try {
            text = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            text = "{\"error\":\"cannot render the response\"}";
            status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
        }
        return response.status(status).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(text));
    }

}
