package org.vmm4j.image;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * NoCloud meta-data. cloud-init runs its once-per-instance modules again whenever the instance id
 * changes, so a new guest needs a new id.
 */
public record MetaData(String instanceId, String localHostname) {
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public MetaData {
        if (instanceId == null || !INSTANCE_ID.matcher(instanceId).matches()) {
            throw new IllegalArgumentException(
                    "instance id must be 1..128 of letters, digits, '.', '_', '-', got '" + instanceId + "'");
        }
        CloudNames.hostname(localHostname);
    }

    /** The meta-data file's YAML. */
    public String toYaml() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance-id", instanceId);
        m.put("local-hostname", localHostname);
        return CloudYaml.dump(m);
    }
}
