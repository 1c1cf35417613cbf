package org.vmm4j.machine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@link Machine#snapshot} wrote, and how long it took.
 *
 * @param directory     the snapshot's directory
 * @param stateBytes    the state file's length
 * @param memoryBytes   the memory file's length: the guest's RAM
 * @param memoryWritten the bytes of RAM actually written (non-zero pages); the rest are holes
 * @param captured      from the call until the state was captured (the pause)
 * @param total         from the call until the snapshot was published
 */
public record SnapshotResult(
        Path directory, long stateBytes, long memoryBytes, long memoryWritten, Duration captured, Duration total) {

    SnapshotResult withTimes(Duration capture, Duration all) {
        return new SnapshotResult(directory, stateBytes, memoryBytes, memoryWritten, capture, all);
    }
}
