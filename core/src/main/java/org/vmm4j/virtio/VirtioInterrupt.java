package org.vmm4j.virtio;

/**
 * How a virtio transport interrupts the guest: an edge on the device's interrupt line (later a KVM
 * irqfd write, in tests a counter). The transport has already set the cause in its interrupt status
 * register. Called from device threads and vCPU threads; must not block or allocate.
 */
public interface VirtioInterrupt {

    /** Why the device interrupts: the bits of the virtio-mmio InterruptStatus register. */
    enum Cause {
        /** The device returned buffers to a used ring (bit 0). */
        USED_BUFFER(1),
        /** The configuration space changed, or the device needs a reset (bit 1). */
        CONFIG_CHANGE(2);

        private final int bit;

        Cause(int bit) {
            this.bit = bit;
        }

        /** The InterruptStatus bit. */
        public int bit() {
            return bit;
        }
    }

    /** Interrupts the guest for {@code cause}. */
    void signal(Cause cause);
}
