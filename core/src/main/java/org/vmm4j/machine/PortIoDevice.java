package org.vmm4j.machine;

/**
 * A device on the port-I/O bus. Called on the vCPU thread that exited, possibly on several vCPU
 * threads at once: implementations synchronize their own state. Must not allocate.
 */
public interface PortIoDevice {

    /**
     * The guest reads {@code size} bytes at {@code offset} from the device's base port.
     *
     * @return the value, of which the low {@code size} bytes are used
     */
    int ioRead(int offset, int size);

    /** The guest writes the low {@code size} bytes of {@code value} at {@code offset} from the base port. */
    void ioWrite(int offset, int size, int value);
}
