package io.siplb.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the SIP fixtures under {@code src/test/resources} of lb-core (shared via its test jar). */
public final class Fixtures {
    private Fixtures() {
    }

    /** The exact bytes of resource {@code path}, such as {@code rfc4475/wsinv.sip}. */
    public static byte[] bytes(String path) {
        try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rows of a tab-separated index, header row excluded, each split into its columns. */
    public static List<String[]> tsv(String path) {
        String text = new String(bytes(path), StandardCharsets.UTF_8);
        List<String[]> rows = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                rows.add(lines[i].split("\t", -1));
            }
        }
        return rows;
    }

    /** A SIP message from lines joined with CRLF, ending with the empty line and {@code body}. */
    public static byte[] message(String body, String... lines) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append("\r\n");
        }
        text.append("\r\n").append(body);
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * An INVITE as SIPp's built-in {@code uac} scenario sends it (~500 octets with its SDP), the
     * reference input of the parser benchmarks.
     */
    public static byte[] sippInvite() {
        return bytes("sipp/uac-invite.sip");
    }
}
