package org.vmm4j.machine;

import java.util.ArrayList;
import java.util.List;
import org.vmm4j.x86.InterruptLine;

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
