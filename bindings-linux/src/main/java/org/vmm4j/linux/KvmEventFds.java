package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.vmm4j.VmmException;
import org.vmm4j.event.EventFd;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmStructs;

/**
 * The ioeventfds and irqfds of one {@link KvmVm}: KVM_IOEVENTFD and KVM_IRQFD with the checks the
 * kernel makes silently or with a bare errno, and the bookkeeping that lets the VM deassign all of
 * them when it closes. Every method runs under the VM's lock.
 */
final class KvmEventFds {
    private record IoEvent(EventFd eventFd, boolean pio, long address, int length, OptionalLong datamatch) {
        /**
         * Whether one write could be claimed by both. KVM matches a write by its exact address and,
         * unless the length is 0 (any), its exact length, so ranges that merely overlap never share a
         * write; different values written to one register go to different eventfds (virtio-mmio's
         * QueueNotify carries the queue index).
         */
        boolean collides(boolean otherPio, long otherAddress, int otherLength, OptionalLong otherMatch) {
            return pio == otherPio
                    && address == otherAddress
                    && (length == 0 || otherLength == 0 || length == otherLength)
                    && (datamatch.isEmpty() || otherMatch.isEmpty() || datamatch.getAsLong() == otherMatch.getAsLong());
        }

        String describe() {
            return (pio ? "port 0x" : "MMIO 0x") + Long.toHexString(address) + " (" + length + " bytes"
                    + (datamatch.isPresent() ? ", data 0x" + Long.toHexString(datamatch.getAsLong()) : "")
                    + ")";
        }
    }

    private record IrqFd(EventFd eventFd, int gsi, EventFd resample) {}

    private final Libc libc;
    private final int vmFd;
    private final NativeMemory ioeventfd;
    private final NativeMemory irqfd;
    private final List<IoEvent> ioEvents = new ArrayList<>();
    private final List<IrqFd> irqFds = new ArrayList<>();

    KvmEventFds(Libc libc, int vmFd, NativeMemory buffers) {
        this.libc = libc;
        this.vmFd = vmFd;
        this.ioeventfd = buffers.slice(0, KvmStructs.Ioeventfd.SIZE);
        this.irqfd = buffers.slice(KvmStructs.Ioeventfd.SIZE, KvmStructs.Irqfd.SIZE);
    }

    static int bufferSize() {
        return KvmStructs.Ioeventfd.SIZE + KvmStructs.Irqfd.SIZE;
    }

    void registerIoEvent(EventFd eventFd, boolean pio, long address, int length, OptionalLong datamatch) {
        checkOpen(eventFd);
        if (length != 0 && length != 1 && length != 2 && length != 4 && length != 8) {
            throw new IllegalArgumentException(
                    "an ioeventfd's length must be 0 (any), 1, 2, 4 or 8 bytes, not " + length);
        }
        if (datamatch.isPresent()) {
            if (length == 0) {
                throw new IllegalArgumentException(
                        "an ioeventfd with a datamatch needs a length (1, 2, 4 or 8), not 0");
            }
            long value = datamatch.getAsLong();
            if (length < 8 && (value >>> (8 * length)) != 0) {
                throw new IllegalArgumentException("datamatch 0x" + Long.toHexString(value) + " does not fit a "
                        + length + "-byte write: it would never match");
            }
        }
        if (pio) {
            if (address < 0 || address + Math.max(length, 1) > 0x10000) {
                throw new IllegalArgumentException("port 0x" + Long.toHexString(address) + " with length " + length
                        + " is outside the I/O port space 0..0xffff");
            }
        } else if (address < 0 && address + Math.max(length, 1) > 0) {
            throw new IllegalArgumentException("MMIO address 0x" + Long.toHexString(address) + " with length " + length
                    + " wraps around the address space");
        }
        for (IoEvent e : ioEvents) {
            if (e.collides(pio, address, length, datamatch)) {
                throw new IllegalArgumentException("an ioeventfd at "
                        + new IoEvent(eventFd, pio, address, length, datamatch).describe()
                        + " overlaps the one registered at " + e.describe() + " for " + e.eventFd()
                        + ": a write would match both");
            }
        }
        IoEvent event = new IoEvent(eventFd, pio, address, length, datamatch);
        ioeventfdIoctl(event, false);
        ioEvents.add(event);
    }

    void unregisterIoEvent(EventFd eventFd, boolean pio, long address, OptionalLong datamatch) {
        for (int i = 0; i < ioEvents.size(); i++) {
            IoEvent e = ioEvents.get(i);
            if (e.eventFd() == eventFd
                    && e.pio() == pio
                    && e.address() == address
                    && e.datamatch().equals(datamatch)) {
                checkOpen(eventFd);
                ioeventfdIoctl(e, true);
                ioEvents.remove(i);
                return;
            }
        }
        throw new IllegalArgumentException(eventFd + " is not registered as an ioeventfd at "
                + (pio ? "port 0x" : "MMIO 0x") + Long.toHexString(address)
                + (datamatch.isPresent()
                        ? " with datamatch 0x" + Long.toHexString(datamatch.getAsLong())
                        : " without datamatch"));
    }

    private void ioeventfdIoctl(IoEvent e, boolean deassign) {
        int flags = (e.pio() ? KVM_IOEVENTFD_FLAG_PIO : 0)
                | (e.datamatch().isPresent() ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0)
                | (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0);
        ioeventfd.fill(0, KvmStructs.Ioeventfd.SIZE, (byte) 0);
        ioeventfd.putLong(KvmStructs.Ioeventfd.DATAMATCH, e.datamatch().orElse(0));
        ioeventfd.putLong(KvmStructs.Ioeventfd.ADDR, e.address());
        ioeventfd.putInt(KvmStructs.Ioeventfd.LEN, e.length());
        ioeventfd.putInt(KvmStructs.Ioeventfd.FD, e.eventFd().fd());
        ioeventfd.putInt(KvmStructs.Ioeventfd.FLAGS, flags);
        long r = libc.ioctl(vmFd, KVM_IOEVENTFD, ioeventfd);
        if (r < 0) {
            throw Errno.exception(
                    "ioctl(KVM_IOEVENTFD" + (deassign ? ", DEASSIGN" : "") + ", " + e.describe() + ", " + e.eventFd()
                            + ")",
                    (int) -r);
        }
    }

    void registerIrqFd(EventFd eventFd, int gsi, EventFd resample) {
        checkOpen(eventFd);
        if (resample != null) {
            checkOpen(resample);
            if (resample == eventFd) {
                throw new IllegalArgumentException(
                        "an irqfd's resample eventfd must be another eventfd than " + eventFd);
            }
        }
        if (gsi < 0) {
            throw new IllegalArgumentException("GSI must not be negative: " + gsi);
        }
        for (IrqFd f : irqFds) {
            if (f.eventFd() == eventFd) {
                throw new IllegalArgumentException(
                        eventFd + " is registered as the irqfd of GSI " + f.gsi() + " already");
            }
        }
        irqfdIoctl(eventFd, gsi, resample, false);
        irqFds.add(new IrqFd(eventFd, gsi, resample));
    }

    void unregisterIrqFd(EventFd eventFd, int gsi) {
        for (int i = 0; i < irqFds.size(); i++) {
            IrqFd f = irqFds.get(i);
            if (f.eventFd() == eventFd && f.gsi() == gsi) {
                checkOpen(eventFd);
                irqfdIoctl(eventFd, gsi, null, true);
                irqFds.remove(i);
                return;
            }
        }
        throw new IllegalArgumentException(eventFd + " is not registered as an irqfd for GSI " + gsi);
    }

    private void irqfdIoctl(EventFd eventFd, int gsi, EventFd resample, boolean deassign) {
        irqfd.fill(0, KvmStructs.Irqfd.SIZE, (byte) 0);
        irqfd.putInt(KvmStructs.Irqfd.FD, eventFd.fd());
        irqfd.putInt(KvmStructs.Irqfd.GSI, gsi);
        irqfd.putInt(
                KvmStructs.Irqfd.FLAGS,
                (deassign ? KVM_IRQFD_FLAG_DEASSIGN : 0) | (resample != null ? KVM_IRQFD_FLAG_RESAMPLE : 0));
        irqfd.putInt(KvmStructs.Irqfd.RESAMPLEFD, resample != null ? resample.fd() : 0);
        long r = libc.ioctl(vmFd, KVM_IRQFD, irqfd);
        if (r < 0) {
            String hint = !deassign && r == -Errno.EINVAL
                    ? " (an irqfd needs an in-kernel irqchip or a split irqchip"
                            + (resample != null ? "; resampling needs the in-kernel IOAPIC and PIC" : "") + ")"
                    : "";
            VmmException e = Errno.exception(
                    "ioctl(KVM_IRQFD" + (deassign ? ", DEASSIGN" : "") + ", GSI " + gsi + ", " + eventFd
                            + (resample != null ? ", resample " + resample : "") + ")",
                    (int) -r);
            throw hint.isEmpty() ? e : new VmmException(e.operation(), e.errno(), e.getMessage() + hint);
        }
    }

    /** Deassigns every registration whose eventfd is still open (the VM is closing); never throws. */
    void releaseAll() {
        for (IoEvent e : ioEvents) {
            if (!e.eventFd().isClosed()) {
                try {
                    ioeventfdIoctl(e, true);
                } catch (RuntimeException ignored) {
                    // closing the VM fd drops it anyway
                }
            }
        }
        for (IrqFd f : irqFds) {
            if (!f.eventFd().isClosed()) {
                try {
                    irqfdIoctl(f.eventFd(), f.gsi(), null, true);
                } catch (RuntimeException ignored) {
                    // closing the VM fd drops it anyway
                }
            }
        }
        ioEvents.clear();
        irqFds.clear();
    }

    private static void checkOpen(EventFd eventFd) {
        if (eventFd.isClosed()) {
            throw new IllegalStateException(eventFd + " is closed");
        }
    }
}
