package org.obnam.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself (unparseable requests, oversized headers, ambiguous paths, shutting
 * down) get the API's JSON form {@code {"error": "..."}}, never an HTML page or a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() > 0 ? response.getStatus() : 500;
        Object message = request.getAttribute(ERROR_MESSAGE);
        byte[] body = body(status, message instanceof String s ? s : null);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Exchange.JSON_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, Exchange.JSON_TYPE);
        return ByteBuffer.wrap(body(status, reason));
    }

    static String withoutHeaderValues(String detail) {
        String d = detail.replaceAll("(?is)(header value).*", "$1");
        return d.replaceAll("(?i)(bearer)\\s+\\S+", "$1 (token left out)");
    }

    static byte[] body(int status, String detail) {
        String text = HttpStatus.getMessage(status);
        if (status < 500 && detail != null && !detail.isBlank() && !detail.equals(text)) {
            // Jetty's reasons for refusing a request (such as "Ambiguous URI path separator") name no
            // files; a server fault's might, so those stay in the log. But some quote the header
            // value they refused, and HTTP/2's "Illegal header value Bearer TOKEN\t" echoed an
            // access token: header values are left out.
            text = text + ": " + withoutHeaderValues(detail);
        }
        try {
            return Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode().put("error", text));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
