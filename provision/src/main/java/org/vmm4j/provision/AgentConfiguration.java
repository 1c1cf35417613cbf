package org.vmm4j.provision;

import java.util.LinkedHashMap;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * Where a guest's management agent reports to, as a create request gives it: the server's URL (or host
 * name), its port, and whether to use HTTPS. Written into the guest as YAML ({@link #toYaml()}).
 *
 * @param serverUrl the server's URL or host name, one line
 * @param port      the server's port, 1..65535
 * @param https     whether the agent talks HTTPS to it
 */
public record AgentConfiguration(String serverUrl, int port, boolean https) {
    private static final DumpSettings YAML = DumpSettings.builder()
            .setDefaultFlowStyle(FlowStyle.BLOCK)
            .setIndent(2)
            .setSplitLines(false)
            .build();

    public AgentConfiguration {
        if (serverUrl == null
                || serverUrl.isBlank()
                || serverUrl.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == ' ')) {
            throw new IllegalArgumentException(
                    "agent server URL must be one word without spaces or control characters, got '" + serverUrl + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("agent server port must be 1..65535, got " + port);
        }
    }

    /**
     * The configuration file's text:
     *
     * <pre>
     * server:
     *   url: https://manager.example.com
     *   port: 8443
     *   https: true
     * </pre>
     */
    public String toYaml() {
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("url", serverUrl);
        server.put("port", port);
        server.put("https", https);
        return new Dump(YAML).dumpToString(Map.of("server", server));
    }
}
