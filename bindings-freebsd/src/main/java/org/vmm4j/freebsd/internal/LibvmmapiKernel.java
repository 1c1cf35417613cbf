package org.vmm4j.freebsd.internal;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.LONG;
import static org.vmm4j.internal.nat.CType.POINTER;
import static org.vmm4j.internal.nat.CType.VOID;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.VmmException;
import org.vmm4j.freebsd.abi.Vmm;
import org.vmm4j.host.SafeNames;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeLibrary;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;

/**
 * The real kernel side on FreeBSD 14: libvmmapi ({@code libvmmapi.so.5}, found with dlopen) creates,
 * opens, lays out memory for and destroys VMs; every other call is an ioctl on the descriptor
 * {@code vm_get_device_fd} returns, straight through libc, so the hot path never enters libvmmapi.
 * Nothing here runs at class-load time.
 */
public final class LibvmmapiKernel implements VmmKernel {
    /** VM_MMAP_GUARD_SIZE of lib/libvmmapi/vmmapi.c: guard regions around every guest memory mapping. */
    static final long VMMAPI_GUARD_SIZE = 4L << 20;

    private final NativeFunction vmCreate;
    private final NativeFunction vmOpen;
    private final NativeFunction vmDestroy;
    private final NativeFunction vmClose;
    private final NativeFunction vmGetDeviceFd;
    private final NativeFunction vmSetupMemory;
    private final NativeFunction vmMapGpa;
    private final NativeFunction vmCreateDevmem;
    private final NativeFunction vmMmapMemseg;
    private final Libc libc;

    private LibvmmapiKernel(NativeLibrary lib) {
        libc = Libc.get();
        vmCreate = lib.function("vm_create", Signature.of(INT, POINTER).withErrno());
        vmOpen = lib.function("vm_open", Signature.of(POINTER, POINTER));
        vmDestroy = lib.function("vm_destroy", Signature.of(VOID, POINTER));
        vmClose = lib.has("vm_close") ? lib.function("vm_close", Signature.of(VOID, POINTER)) : null;
        vmGetDeviceFd = lib.function("vm_get_device_fd", Signature.of(INT, POINTER));
        vmSetupMemory = lib.function(
                "vm_setup_memory", Signature.of(INT, POINTER, LONG, INT).withErrno());
        vmMapGpa = lib.function("vm_map_gpa", Signature.of(POINTER, POINTER, LONG, LONG));
        vmCreateDevmem = lib.function("vm_create_devmem", Signature.of(POINTER, POINTER, INT, POINTER, LONG));
        vmMmapMemseg = lib.function(
                "vm_mmap_memseg",
                Signature.of(INT, POINTER, LONG, INT, LONG, LONG, INT).withErrno());
    }

    /**
     * Loads libvmmapi.
     *
     * @throws HypervisorUnavailableException when the library or a symbol is missing
     */
    public static LibvmmapiKernel load() {
        try {
            return new LibvmmapiKernel(NativeAccess.get().load("libvmmapi.so.5", "libvmmapi.so"));
        } catch (HypervisorUnavailableException e) {
            throw e;
        } catch (VmmException e) {
            throw new HypervisorUnavailableException("libvmmapi is not usable: " + e.getMessage(), e);
        }
    }

    @Override
    public VmmDevice create(String name) {
        checkName(name);
        int r;
        try (NativeMemory cName = libc.cString(name)) {
            r = (int) vmCreate.call(cName.address());
        }
        if (r < 0) {
            throw Errno.exception("vm_create(" + name + ")", -r);
        }
        return open(name);
    }

    @Override
    public VmmDevice open(String name) {
        checkName(name);
        long ctx;
        try (NativeMemory cName = libc.cString(name)) {
            ctx = vmOpen.call(cName.address());
        }
        if (ctx == 0) {
            throw new VmmException(
                    "vm_open(" + name + ") failed: no such VM, or /dev/vmm/" + name + " is not accessible");
        }
        int fd = (int) vmGetDeviceFd.call(ctx);
        return new Device(name, ctx, fd);
    }

    @Override
    public List<String> list() {
        Path dir = Path.of("/dev/vmm");
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            entries.forEach(p -> names.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new VmmException("cannot list /dev/vmm: " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    private static void checkName(String name) {
        SafeNames.require("VM name", name, Vmm.VM_MAX_NAMELEN);
    }

    private final class Device implements VmmDevice {
        private final String name;
        private final long ctx;
        private final int fd;
        private boolean closed;

        Device(String name, long ctx, int fd) {
            this.name = name;
            this.ctx = ctx;
            this.fd = fd;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int ioctl(long request, NativeMemory arg) {
            return (int) libc.ioctl(fd, request, arg);
        }

        @Override
        public synchronized NativeMemory mapMemory(int segid, long gpa, long size, boolean readOnly) {
            long address;
            if (segid == Vmm.VM_SYSMEM) {
                int r = (int) vmSetupMemory.call(ctx, size, Vmm.VM_MMAP_ALL);
                if (r < 0) {
                    throw Errno.exception("vm_setup_memory(" + name + ", " + size + ")", -r);
                }
                address = vmMapGpa.call(ctx, gpa, size);
                if (address == 0) {
                    throw new VmmException(
                            "vm_map_gpa(" + name + ", 0x" + Long.toHexString(gpa) + ") found no mapping");
                }
            } else {
                try (NativeMemory segName = libc.cString("vmm4j" + segid)) {
                    address = vmCreateDevmem.call(ctx, segid, segName.address(), size);
                }
                if (address == -1 || address == 0) {
                    throw new VmmException("vm_create_devmem(" + name + ", segment " + segid + ") failed");
                }
                int prot = Libc.PROT_READ | Libc.PROT_EXEC | (readOnly ? 0 : Libc.PROT_WRITE);
                int r = (int) vmMmapMemseg.call(ctx, gpa, segid, 0, size, prot);
                if (r < 0) {
                    throw Errno.exception("vm_mmap_memseg(" + name + ", segment " + segid + ")", -r);
                }
            }
            // vm_setup_memory and vm_create_devmem (vmmapi.c) reserve GUARD + size + GUARD with MAP_GUARD and
            // map the memory after the first guard; vm_destroy/vm_close unmap none of it. Closing the region
            // releases the whole reservation, and with it the VM object's pages.
            long reservation = address - VMMAPI_GUARD_SIZE;
            long length = size + 2 * VMMAPI_GUARD_SIZE;
            return NativeAccess.get().mapped(address, size, () -> libc.munmap(reservation, length));
        }

        @Override
        public synchronized void destroy() {
            if (!closed) {
                closed = true;
                vmDestroy.call(ctx);
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                if (vmClose != null) {
                    vmClose.call(ctx);
                } else {
                    libc.close(fd);
                }
            }
        }
    }
}
