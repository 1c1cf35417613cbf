package org.vmm4j.examples;

import java.io.PrintStream;
import java.util.Locale;
import org.vmm4j.host.Progress;
import org.vmm4j.host.ProgressListener;

/**
 * Shows {@link Progress} as one line per step that redraws in place ({@code \r}) while the step
 * moves, and ends with a newline when the step is done or failed:
 * {@code [ 3/11] fetch image          [#########...........]  45%  12 of 27 MiB}, in the locale the
 * command runs in.
 */
final class ProgressBar implements ProgressListener {
    static final int WIDTH = 20;
    private static final int MAX_MESSAGE = 60;

    private final PrintStream out;
    private final Locale locale;
    private int lastLength;

    ProgressBar(PrintStream out) {
        this.out = out;
        this.locale = CliText.locale();
    }

    @Override
    public synchronized void onProgress(Progress p) {
        String line = render(p, locale);
        out.print('\r' + line + " ".repeat(Math.max(0, lastLength - line.length())));
        boolean ends = p.fraction() >= 1.0 || (p.fraction() < 0 && p.message().startsWith("failed"));
        if (ends) {
            out.println();
            lastLength = 0;
        } else {
            lastLength = line.length();
        }
        out.flush();
    }

    /** One line for {@code p} in English; an unknown fraction (-1) shows as a bar of {@code ?}. */
    static String render(Progress p) {
        return render(p, Locale.ROOT);
    }

    /** One line for {@code p} in {@code locale}. */
    static String render(Progress p, Locale locale) {
        String bar;
        String percent;
        if (p.fraction() < 0) {
            bar = "?".repeat(WIDTH);
            percent = "   ";
        } else {
            double f = Math.min(1.0, p.fraction());
            int filled = (int) Math.round(f * WIDTH);
            bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
            percent = String.format(Locale.ROOT, "%3d", Math.round(f * 100));
        }
        String text = p.status().render(locale);
        String message = text.length() > MAX_MESSAGE ? text.substring(0, MAX_MESSAGE - 3) + "..." : text;
        return String.format(
                        Locale.ROOT,
                        "[%2d/%d] %-20s [%s] %s%%  %s",
                        p.index(),
                        p.total(),
                        p.stepName().render(locale),
                        bar,
                        percent,
                        message)
                .stripTrailing();
    }
}
