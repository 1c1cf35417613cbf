package org.vmm4j.examples;

import static org.vmm4j.examples.CliText.t;

import java.time.Duration;
import org.vmm4j.guest.Accelerator;

/** Reading option values for the CLI's commands; every problem is an {@link IllegalArgumentException}. */
final class CliOptions {
    private CliOptions() {}

    static int integer(String s, String option) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(t("options.number", option, s));
        }
    }

    /** 2G, 512M or bytes. */
    static long size(String s, String option) {
        try {
            return BootCommand.size(s);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(t("options.size", option, s));
        }
    }

    /** {@code kvm}, {@code tcg} or {@code auto}. */
    static Accelerator accelerator(String s, String option) {
        try {
            return Accelerator.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(t("options.accelerator", option, s), e);
        }
    }

    static Duration seconds(String s, String option) {
        int n = integer(s, option);
        if (n <= 0) {
            throw new IllegalArgumentException(t("options.positive-seconds", option));
        }
        return Duration.ofSeconds(n);
    }
}
