package org.vmm4j.machine;

/**
 * A device on the MMIO bus. Called on the vCPU thread that exited, possibly on several vCPU
 * threads at once: implementations synchronize their own state. Must not allocate.
 */
public interface MmioDevice {

    /** The guest reads {@code size} (1-8) bytes at {@code offset} from the device's base address. */
    long mmioRead(long offset, int size);

    /** The guest writes the low {@code size} bytes of {@code value} at {@code offset}. */
    void mmioWrite(long offset, int size, long value);
}
