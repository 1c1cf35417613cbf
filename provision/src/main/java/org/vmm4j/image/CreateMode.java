package org.vmm4j.image;

/** Whether creating an image may replace a file that already exists. Refusing is the default: disks hold data. */
public enum CreateMode {
    /** Fail when the target exists. */
    FAIL_IF_EXISTS,
    /** Replace the target when it exists. */
    OVERWRITE
}
