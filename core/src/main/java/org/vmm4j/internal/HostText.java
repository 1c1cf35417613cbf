package org.vmm4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.vmm4j.Fact;

/**
 * The line-oriented text hosts answer probes with: {@code key: value} lines ({@code /proc/cpuinfo},
 * dmesg), {@code key=value} lines ({@code rc.conf}, {@code sysctl.conf}) and yes/no flags
 * ({@code /sys/module/kvm_intel/parameters/nested}, boolean sysctls).
 */
public final class HostText {

    private HostText() {}

    /**
     * The value on the first line whose key is {@code key}: the text after the first {@code separator},
     * stripped, where the text before it, stripped, equals {@code key}. {@code flags\t\t: fpu vme} has
     * the key {@code flags}; {@code #vmd_flags=NO} does not have the key {@code vmd_flags}.
     */
    public static Optional<String> value(String text, String key, char separator) {
        List<String> all = values(text, key, separator);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** The values of every line whose key is {@code key}, in order (see {@link #value}). */
    public static List<String> values(String text, String key, char separator) {
        List<String> found = new ArrayList<>();
        text.lines().forEach(line -> {
            int at = line.indexOf(separator);
            if (at >= 0 && line.substring(0, at).strip().equals(key)) {
                found.add(line.substring(at + 1).strip());
            }
        });
        return found;
    }

    /**
     * A yes/no flag as the kernel and configuration files write it: {@code 1}, {@code Y}, {@code yes},
     * {@code on}, {@code true} are {@code YES}; {@code 0}, {@code N}, {@code no}, {@code off},
     * {@code false} are {@code NO} (any case, surrounding space ignored); anything else is {@code UNKNOWN}.
     */
    public static Fact flag(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "1", "y", "yes", "on", "true" -> Fact.YES;
            case "0", "n", "no", "off", "false" -> Fact.NO;
            default -> Fact.UNKNOWN;
        };
    }
}
