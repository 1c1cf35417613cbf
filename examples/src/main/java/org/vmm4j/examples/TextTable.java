package org.vmm4j.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of cells printed in aligned columns, measured in terminal cells: a CJK or full-width character
 * takes two, a combining mark or a direction mark (U+200F, U+2068, U+2069) none, so translated headers
 * and values line up as the English ones do.
 */
final class TextTable {
    private final List<String[]> rows = new ArrayList<>();

    /** Adds a row; every row should have the same number of cells. */
    TextTable row(String... cells) {
        rows.add(cells.clone());
        return this;
    }

    /**
     * Prints the rows, each column as wide as its widest cell (at least its entry of {@code minWidths}, the
     * last entry for the columns after) and one space.
     */
    void print(PrintStream out, int... minWidths) {
        int columns = 0;
        for (String[] r : rows) {
            columns = Math.max(columns, r.length);
        }
        int[] widths = new int[columns];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                int min = minWidths[Math.min(c, minWidths.length - 1)];
                widths[c] = Math.max(widths[c], Math.max(min, width(r[c])));
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < r.length; c++) {
                line.append(r[c]);
                if (c < r.length - 1) {
                    line.append(" ".repeat(widths[c] - width(r[c]) + 1));
                }
            }
            out.println(line);
        }
    }

    /** How many terminal cells {@code text} takes. */
    static int width(String text) {
        int w = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT) {
                continue;
            }
            w += wide(cp) ? 2 : 1;
        }
        return w;
    }

    private static boolean wide(int cp) {
        return (cp >= 0x1100 && cp <= 0x115F)
                || (cp >= 0x2E80 && cp <= 0xA4CF)
                || (cp >= 0xAC00 && cp <= 0xD7A3)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0xFE30 && cp <= 0xFE4F)
                || (cp >= 0xFF00 && cp <= 0xFF60)
                || (cp >= 0xFFE0 && cp <= 0xFFE6)
                || (cp >= 0x20000 && cp <= 0x3FFFD);
    }
}
