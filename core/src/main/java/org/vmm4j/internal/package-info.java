/**
 * Pure-Java pieces the backends share and applications do not use: the guest-memory region map
 * ({@link org.vmm4j.internal.GuestMemoryMap}), the off-heap guest memory view, atomic file replacement
 * ({@link org.vmm4j.internal.AtomicFiles}), key/value text of host probes ({@link org.vmm4j.internal.HostText}),
 * a JSON writer and small collections. Exported only to vmm4j's own modules; not API.
 */
package org.vmm4j.internal;
