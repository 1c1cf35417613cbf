package org.vmm4j.provision;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.vmm4j.host.SafeNames;

/**
 * How {@link GuestProvisioner} gives a guest its management agent, in three steps after SSH answers:
 * {@link ProvisionStep#INSTALL_AGENT} runs {@code installCommands} (the distribution's own, e.g. the
 * catalog's {@link GuestImage#agentInstall()}); {@link ProvisionStep#CONFIGURE_AGENT} writes
 * {@code configuration} as YAML to {@code configPath} (mode 0600, root); {@link ProvisionStep#START_AGENT}
 * enables and restarts the systemd unit {@code service} and waits until {@code systemctl is-active}
 * says {@code active}, for at most {@code activeTimeout}.
 *
 * @param installCommands shell command lines run as the guest's user, in order (use {@code sudo} where
 *                        root is needed)
 * @param configPath      absolute path of the agent's configuration file in the guest
 * @param configuration   what the file says: server URL, port, https
 * @param service         the agent's systemd unit, e.g. {@code sysmanage-agent} or {@code x.service}
 * @param activeTimeout   how long the unit may take to become active
 */
public record AgentSetup(
        List<String> installCommands,
        String configPath,
        AgentConfiguration configuration,
        String service,
        Duration activeTimeout) {
    private static final Pattern UNIT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9:_.@-]{0,250}");

    public AgentSetup {
        installCommands = List.copyOf(installCommands);
        for (String c : installCommands) {
            if (c.isBlank() || c.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("an agent install command is empty or contains NUL");
            }
        }
        SafeNames.requireAbsolutePath("agent configuration path", configPath);
        if (configPath.contains("'")) {
            throw new IllegalArgumentException("agent configuration path must not contain a quote: " + configPath);
        }
        Objects.requireNonNull(configuration, "configuration");
        if (service == null || !UNIT.matcher(service).matches()) {
            throw new IllegalArgumentException(
                    "agent service must be a systemd unit name ([A-Za-z0-9:_.@-]), got '" + service + "'");
        }
        if (activeTimeout == null || activeTimeout.isNegative() || activeTimeout.isZero()) {
            throw new IllegalArgumentException("agent active timeout must be positive");
        }
    }

    /** With a 60 s wait for the unit to become active. */
    public static AgentSetup of(
            List<String> installCommands, String configPath, AgentConfiguration configuration, String service) {
        return new AgentSetup(installCommands, configPath, configuration, service, Duration.ofSeconds(60));
    }
}
