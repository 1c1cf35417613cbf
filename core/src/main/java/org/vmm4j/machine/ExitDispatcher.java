package org.vmm4j.machine;

import org.vmm4j.VmExit;

/**
 * Routes the port-I/O and MMIO exits of a vCPU to the buses and writes the devices' answers back
 * into the exit. Allocates nothing; safe to share between vCPU threads.
 */
public final class ExitDispatcher {

    private final PortIoBus ports;
    private final MmioBus mmio;

    public ExitDispatcher(PortIoBus ports, MmioBus mmio) {
        this.ports = ports;
        this.mmio = mmio;
    }

    public PortIoBus ports() {
        return ports;
    }

    public MmioBus mmio() {
        return mmio;
    }

    /**
     * Handles {@code exit} if it is an I/O or MMIO exit: string I/O ({@code rep ins/outs}) is one
     * bus access per element, in order.
     *
     * @return whether the exit was handled (false: the caller decides what the exit means)
     */
    public boolean dispatch(VmExit exit) {
        switch (exit.kind()) {
            case IO_IN -> {
                int port = exit.ioPort();
                int size = exit.ioSize();
                int count = exit.ioCount();
                for (int i = 0; i < count; i++) {
                    exit.setIoData(i, ports.read(port, size) & 0xffff_ffffL);
                }
                return true;
            }
            case IO_OUT -> {
                int port = exit.ioPort();
                int size = exit.ioSize();
                int count = exit.ioCount();
                for (int i = 0; i < count; i++) {
                    ports.write(port, size, (int) exit.ioData(i));
                }
                return true;
            }
            case MMIO_READ -> {
                exit.setMmioData(mmio.read(exit.mmioAddress(), exit.mmioSize()));
                return true;
            }
            case MMIO_WRITE -> {
                mmio.write(exit.mmioAddress(), exit.mmioSize(), exit.mmioData());
                return true;
            }
            default -> {
                return false;
            }
        }
    }
}
