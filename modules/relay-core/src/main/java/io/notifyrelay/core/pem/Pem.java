package io.notifyrelay.core.pem;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the blocks of a PEM text (RFC 7468): {@code -----BEGIN LABEL-----}, Base64, {@code -----END LABEL-----}.
 * Line breaks inside the Base64 may be LF, CRLF or absent; text outside the blocks (openssl's "Bag Attributes",
 * comments) is ignored. No crypto here: callers turn the DER bytes into keys and certificates with the JDK.
 */
public final class Pem {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    private Pem() {
    }

    /** One block: its label (e.g. {@code PUBLIC KEY}, {@code CERTIFICATE}) and its DER bytes. */
    public record Block(String label, byte[] der) {
        public Block {
            Objects.requireNonNull(label, "label");
            der = der.clone();
        }

        @Override
        public byte[] der() {
            return der.clone();
        }
    }

    /**
     * Every block in {@code text}, in order.
     *
     * @throws IllegalArgumentException if there is none, or a block's body is not Base64
     */
    public static List<Block> blocks(String text) {
        Objects.requireNonNull(text, "text");
        List<Block> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(text);
        while (matcher.find()) {
            String label = matcher.group(1).trim();
            String body = matcher.group(2).replaceAll("\\s", "");
            try {
                blocks.add(new Block(label, Base64.getDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the PEM block '" + label + "' is not valid Base64");
            }
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no PEM block found (expected text between -----BEGIN ...----- and "
                    + "-----END ...----- lines)");
        }
        return blocks;
    }

    /** The blocks labelled {@code label}. */
    public static List<Block> blocks(String text, String label) {
        return blocks(text).stream().filter(block -> block.label().equals(label)).toList();
    }

    /** Renders DER bytes as a PEM block with 64-character lines. */
    public static String encode(String label, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
    }
}
