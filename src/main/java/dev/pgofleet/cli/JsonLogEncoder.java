package dev.pgofleet.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * PGOF_LOG_FORMAT=json: one JSON object per line ({@link LogLine#json}), the event's key-value
 * pairs (the access log's {@code method}, {@code path}, {@code status}, ...) as top-level fields.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {
    private static final byte[] NONE = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent e) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) {
                fields.put(kv.key, kv.value);
            }
        }
        String exception = e.getThrowableProxy() == null ? null : ThrowableProxyUtil.asString(e.getThrowableProxy());
        return (LogLine.json(Instant.ofEpochMilli(e.getTimeStamp()), e.getLevel().toString(), e.getThreadName(),
                e.getLoggerName(), e.getFormattedMessage(), fields, exception) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }
}
