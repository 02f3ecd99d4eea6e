package dev.pgofleet.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket for what an HTTP client library will not send: probes, trickles, pipelining. */
public final class RawHttp implements AutoCloseable {
    public final Socket socket;
    private final InputStream in;

    public RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
    }

    public RawHttp write(String text) throws IOException {
        return write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp write(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** Reads one response head (up to the blank line) and its Content-Length body. */
    public String readResponse() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return h + new String(body, StandardCharsets.UTF_8);
    }

    /** Everything the server sends until it closes the connection (or the socket times out). */
    public String readRest() throws IOException {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        try {
            for (int b = in.read(); b >= 0; b = in.read()) {
                rest.write(b);
            }
        } catch (SocketTimeoutException e) {
            return rest.toString(StandardCharsets.ISO_8859_1) + "<still open>";
        } catch (IOException reset) {
            // closed by reset: the server is gone from this connection
        }
        return rest.toString(StandardCharsets.ISO_8859_1);
    }

    /** True when the server closed the connection (EOF) within the socket timeout; anything it sends first is skipped. */
    public boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // skip what the server still sends
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
