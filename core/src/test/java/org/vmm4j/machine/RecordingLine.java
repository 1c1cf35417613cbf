package org.vmm4j.machine;

import java.util.ArrayList;
import java.util.List;

/** An interrupt line that remembers every level change. */
final class RecordingLine implements InterruptLine {

    final List<Boolean> changes = new ArrayList<>();
    boolean level;

    @Override
    public void setLevel(boolean asserted) {
        changes.add(asserted);
        level = asserted;
    }
}
