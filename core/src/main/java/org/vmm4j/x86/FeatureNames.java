package org.vmm4j.x86;

import java.util.ArrayList;
import java.util.List;

/** Looking up {@link CpuFeature}s by the names people type, and the closest name to a typo. */
final class FeatureNames {
    private FeatureNames() {}

    /**
     * The feature {@code name} names.
     *
     * @throws IllegalArgumentException naming it and the closest known name if there is none
     */
    static CpuFeature feature(String name) {
        return CpuFeature.byName(name).orElseThrow(() -> {
            List<String> known = new ArrayList<>();
            for (CpuFeature f : CpuFeature.values()) {
                known.add(f.linuxName());
            }
            known.add(CpuModel.KVM_PV);
            return new IllegalArgumentException("unknown CPU feature '" + name + "'" + suggestion(name, known)
                    + " (features are named as in /proc/cpuinfo, e.g. popcnt, xsave, sse4_2, x2apic)");
        });
    }

    /** {@code " (did you mean X?)"} for the candidate closest to {@code typed}, or {@code ""} if none is close. */
    static String suggestion(String typed, List<String> candidates) {
        String key = CpuFeature.key(typed);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(key, CpuFeature.key(c));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        int allowed = Math.max(2, key.length() / 3);
        return best != null && bestDistance <= allowed ? " (did you mean " + best + "?)" : "";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
