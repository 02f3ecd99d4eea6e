package dev.pgofleet.pprof;

import java.nio.charset.StandardCharsets;

/**
 * Profile strings are Go strings, that is bytes: the pprof package holds each as a Java String of
 * one char per byte (ISO-8859-1), which keeps any bytes exactly and orders as Go does. These turn
 * such a string into text for people, and text into the bytes a profile would hold.
 */
public final class GoString {
    private GoString() {}

    /** The bytes read as UTF-8, for messages and displays (invalid bytes become U+FFFD). */
    public static String display(String goBytes) {
        for (int i = 0; i < goBytes.length(); i++) {
            if (goBytes.charAt(i) >= 0x80) {
                return new String(goBytes.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            }
        }
        return goBytes;
    }

    /** The profile form of a text: its UTF-8 bytes, one char per byte. */
    public static String of(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }
}
