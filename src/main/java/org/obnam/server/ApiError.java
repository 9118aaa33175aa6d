package org.obnam.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An API request failed in a way the client is told about: a status and a JSON body
 * {@code {"error": "..."}}, perhaps with more fields. Messages never name server paths or reveal
 * anything about other namespaces.
 */
final class ApiError extends Exception {
    private final int status;
    private final ObjectNode body;
    private final Map<String, String> headers = new LinkedHashMap<>();

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
        this.body = Json.MAPPER.createObjectNode().put("error", message);
    }

    ApiError with(String field, long value) {
        body.put(field, value);
        return this;
    }

    ApiError with(String field, boolean value) {
        body.put(field, value);
        return this;
    }

    ApiError header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    Map<String, String> headers() {
        return headers;
    }

    int status() {
        return status;
    }

    ObjectNode body() {
        return body;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, message);
    }
}
