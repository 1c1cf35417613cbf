package org.vmm4j.host;

/** Receives {@link Progress} of long operations; must return quickly and not throw. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = p -> {};

    void onProgress(Progress progress);
}
