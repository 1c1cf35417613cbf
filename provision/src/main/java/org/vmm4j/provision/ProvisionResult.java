package org.vmm4j.provision;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.vmm4j.host.CommandResult;
import org.vmm4j.text.MessageCatalog;

/**
 * A provisioned guest: its name and UUID, the address found (empty when the run stopped before
 * waiting for one), the files made for it, how long each step took, the results of the commands (the
 * request's, then the agent's), and the fingerprint of the host key the guest was given and SSH verified.
 */
public record ProvisionResult(
        String name,
        UUID uuid,
        Optional<String> address,
        Optional<String> sshBanner,
        Path disk,
        Path seed,
        List<StepTiming> timings,
        Duration total,
        List<CommandResult> commandResults,
        Optional<String> hostKeyFingerprint) {

    /** How long one step took; {@code skipped} when the request stopped before it. */
    public record StepTiming(ProvisionStep step, Duration duration, boolean skipped) {
        public StepTiming {
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(duration, "duration");
        }
    }

    public ProvisionResult {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(sshBanner, "sshBanner");
        timings = List.copyOf(timings);
        commandResults = List.copyOf(commandResults);
        Objects.requireNonNull(hostKeyFingerprint, "hostKeyFingerprint");
    }

    /** The time spent in {@code step} (zero when it was skipped). */
    public Duration timeOf(ProvisionStep step) {
        for (StepTiming t : timings) {
            if (t.step() == step) {
                return t.duration();
            }
        }
        return Duration.ZERO;
    }

    /** One line per step and a total, for people, in English. */
    public String summary() {
        return summary(Locale.ROOT);
    }

    /** One line per step and a total, for people, in {@code locale}. */
    public String summary(Locale locale) {
        MessageCatalog texts = ProvisionMessages.CATALOG;
        StringBuilder sb = new StringBuilder();
        sb.append(address.map(a -> texts.format(locale, "summary.guest-at", name, a))
                        .orElseGet(() -> texts.format(locale, "summary.guest", name)))
                .append('\n');
        for (StepTiming t : timings) {
            sb.append(String.format(
                    Locale.ROOT,
                    "  %2d %-20s %s%n",
                    t.step().number(),
                    t.step().labelMessage().render(locale),
                    t.skipped()
                            ? texts.format(locale, "progress.skipped")
                            : texts.format(
                                    locale, "summary.seconds", t.duration().toMillis() / 1000.0)));
        }
        sb.append("  ")
                .append(texts.format(locale, "summary.total", total.toMillis() / 1000.0))
                .append('\n');
        return sb.toString();
    }
}
