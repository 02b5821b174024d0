package io.notifyrelay.app.logging;

/**
 * Makes a value safe for a one-line-per-entry text log: CR, LF and every other control character (and the
 * Unicode line and paragraph separators) become visible escapes, so a value a producer or client chose can
 * never start a line of its own, such as a forged {@code ERROR} entry. Backslashes are left alone.
 */
public final class ControlCharacters {

    private ControlCharacters() {
    }

    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text; // the usual case: no copy
        }
        StringBuilder escaped = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                escaped.append(c);
            } else if (c == '\n') {
                escaped.append("\\n");
            } else if (c == '\r') {
                escaped.append("\\r");
            } else if (c == '\t') {
                escaped.append("\\t");
            } else {
                escaped.append(String.format("\\u%04x", (int) c));
            }
        }
        return escaped.toString();
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
