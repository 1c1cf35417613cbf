package org.vmm4j.image;

import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/** The one place cloud-init YAML is emitted: block style, two-space indent, no line folding of long keys. */
final class CloudYaml {
    private static final DumpSettings SETTINGS = DumpSettings.builder()
            .setDefaultFlowStyle(FlowStyle.BLOCK)
            .setIndent(2)
            .setIndicatorIndent(2)
            .setIndentWithIndicator(true)
            .setSplitLines(false)
            .build();

    private CloudYaml() {}

    static String dump(Object document) {
        return new Dump(SETTINGS).dumpToString(document);
    }
}
