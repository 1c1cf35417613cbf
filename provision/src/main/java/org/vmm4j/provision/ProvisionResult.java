package org.vmm4j.provision;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.vmm4j.host.CommandResult;

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

    /** One line per step and a total, for people. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("guest ")
                .append(name)
                .append(address.map(a -> " at " + a).orElse(""))
                .append('\n');
        for (StepTiming t : timings) {
            sb.append(String.format(
                    "  %2d %-20s %s%n",
                    t.step().number(),
                    t.step().label(),
                    t.skipped()
                            ? "skipped"
                            : String.format("%.1f s", t.duration().toMillis() / 1000.0)));
        }
        sb.append(String.format("  total %.1f s%n", total.toMillis() / 1000.0));
        return sb.toString();
    }
}
