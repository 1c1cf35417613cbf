package org.vmm4j.boot;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.GuestMemory;
import org.vmm4j.internal.FileReads;

/**
 * A Linux kernel ready to be placed in guest memory, with the entry it will be started through:
 * a bzImage through its 64-bit entry, or an ELF vmlinux (possibly extracted from a bzImage)
 * through its PVH entry.
 */
public final class LinuxKernel {

    private static final Logger LOG = LoggerFactory.getLogger(LinuxKernel.class);

    /** The Linux x86 COMMAND_LINE_SIZE, the limit for a PVH-booted kernel (NUL excluded). */
    public static final int PVH_CMDLINE_MAX = 2047;

    private final EntryKind entry;
    private final byte[] bzImage;
    private final SetupHeader setupHeader;
    private final ElfKernel elf;

    private LinuxKernel(EntryKind entry, byte[] bzImage, SetupHeader setupHeader, ElfKernel elf) {
        this.entry = entry;
        this.bzImage = bzImage;
        this.setupHeader = setupHeader;
        this.elf = elf;
    }

    /**
     * Loads a kernel file choosing the entry: an ELF vmlinux is booted through PVH; a bzImage is
     * booted through PVH when its payload carries a PVH note (decompressed on the host, which is
     * much faster than the kernel's own decompressor under emulation), else through its 64-bit
     * entry. Extracted images are cached in {@link VmlinuxCache#defaultCache()}.
     */
    public static LinuxKernel load(Path kernel) {
        return load(kernel, null, VmlinuxCache.defaultCache());
    }

    /**
     * Loads a kernel file for the given entry ({@code null}: choose as {@link #load(Path)} does).
     *
     * @param cache where extracted vmlinux images are kept, or {@code null} for no cache
     * @throws BootException if the file is neither a bzImage nor an ELF kernel, or cannot be
     *         booted through {@code entry}
     * @throws UncheckedIOException if the file cannot be read; the message says why ("no such file",
     *         "permission denied", "it is a directory", ...)
     */
    public static LinuxKernel load(Path kernel, EntryKind entry, VmlinuxCache cache) {
        byte[] bytes = FileReads.readAll(kernel, "kernel");
        try {
            return of(bytes, entry, cache);
        } catch (BootException e) {
            throw new BootException(kernel + ": " + e.getMessage(), e);
        }
    }

    /** As {@link #load(Path, EntryKind, VmlinuxCache)}, from the image's bytes. */
    public static LinuxKernel of(byte[] image, EntryKind entry, VmlinuxCache cache) {
        if (ElfKernel.looksLikeElf(image)) {
            if (entry == EntryKind.BZIMAGE_64) {
                throw new BootException("the 64-bit bzImage entry was asked for, but the kernel is an ELF vmlinux");
            }
            if (entry == EntryKind.ELF_64) {
                return new LinuxKernel(EntryKind.ELF_64, null, null, ElfKernel.parse(image));
            }
            return pvh(ElfKernel.parse(image), "ELF vmlinux");
        }
        if (!SetupHeader.looksLikeBzImage(image)) {
            throw new BootException("kernel is neither a bzImage (no \"HdrS\" setup header) nor an ELF vmlinux");
        }
        SetupHeader header = SetupHeader.parse(image);
        if (entry == EntryKind.BZIMAGE_64) {
            return new LinuxKernel(EntryKind.BZIMAGE_64, image, header, null);
        }
        ElfKernel elf;
        try {
            byte[] vmlinux = cache != null ? cache.vmlinux(image) : VmlinuxExtractor.extract(image);
            elf = ElfKernel.parse(vmlinux);
        } catch (BootException e) {
            if (entry == null) {
                // the kernel can still decompress itself: boot it through its own 64-bit entry
                LOG.debug("cannot extract vmlinux ({}); using the bzImage 64-bit entry", e.getMessage());
                return new LinuxKernel(EntryKind.BZIMAGE_64, image, header, null);
            }
            throw new BootException(
                    "the " + (entry == EntryKind.ELF_64 ? "ELF 64-bit" : "PVH") + " entry was asked for, but "
                            + e.getMessage(),
                    e);
        }
        if (entry == EntryKind.ELF_64) {
            // Keep the bzImage's own setup header for boot_params.
            return new LinuxKernel(EntryKind.ELF_64, image, header, elf);
        }
        if (entry == null && elf.pvhEntry().isEmpty()) {
            return new LinuxKernel(EntryKind.BZIMAGE_64, image, header, null);
        }
        return pvh(elf, "bzImage's vmlinux");
    }

    private static LinuxKernel pvh(ElfKernel elf, String what) {
        if (elf.pvhEntry().isEmpty()) {
            throw new BootException("the PVH entry was asked for, but the " + what
                    + " has no XEN_ELFNOTE_PHYS32_ENTRY note (kernel built without CONFIG_PVH)");
        }
        return new LinuxKernel(EntryKind.PVH, null, null, elf);
    }

    public EntryKind entry() {
        return entry;
    }

    /** The bzImage's setup header ({@link EntryKind#BZIMAGE_64}, and {@link EntryKind#ELF_64} from a bzImage). */
    Optional<SetupHeader> setupHeader() {
        return Optional.ofNullable(setupHeader);
    }

    /** The ELF image ({@link EntryKind#PVH} and {@link EntryKind#ELF_64}). */
    public Optional<ElfKernel> elf() {
        return Optional.ofNullable(elf);
    }

    /** The longest command line this kernel accepts, NUL excluded. */
    public long maxCommandLineLength() {
        return setupHeader != null ? setupHeader.cmdlineSize() : PVH_CMDLINE_MAX;
    }

    /**
     * One past the last guest-physical byte the kernel will occupy once loaded and set up.
     *
     * @param lowMemory the RAM region at guest-physical 0
     * @throws BootException if the kernel does not fit in {@code lowMemory}
     */
    long requireFits(GuestMemory lowMemory) {
        if (entry == EntryKind.BZIMAGE_64) {
            long pmSize = (long) bzImage.length - setupHeader.protectedModeOffset();
            // A relocatable kernel decompresses itself to max(load address, pref_address) and needs
            // init_size bytes there.
            long prefAddress = setupHeader.prefAddress();
            if (prefAddress < 0 || prefAddress >= Layout.MAX_MEMORY_SIZE) {
                // unsigned in the header; checked before it is added to, so the sum cannot wrap
                throw new BootException("bzImage pref_address 0x" + Long.toUnsignedString(prefAddress, 16)
                        + " lies beyond any guest memory");
            }
            long runAddress = Math.max(Layout.KERNEL_LOAD_ADDRESS, prefAddress);
            long end = Math.max(Layout.KERNEL_LOAD_ADDRESS + pmSize, runAddress + setupHeader.initSize());
            checkEnd(
                    lowMemory,
                    end,
                    "bzImage kernel (init_size " + setupHeader.initSize() + " bytes at 0x"
                            + Long.toHexString(runAddress) + ")");
            return end;
        }
        long end = elf.end();
        if (elf.lowestAddress() < Layout.HIGH_MEMORY_ADDRESS) {
            throw new BootException("ELF kernel segment at 0x" + Long.toHexString(elf.lowestAddress())
                    + " overlaps the boot structures below 1 MiB");
        }
        checkEnd(lowMemory, end, "ELF kernel (segments up to 0x" + Long.toHexString(end) + ")");
        return end;
    }

    /** Copies the kernel into guest memory at its load address(es); call {@link #requireFits} first. */
    void loadInto(GuestMemory lowMemory) {
        if (entry == EntryKind.BZIMAGE_64) {
            int pm = setupHeader.protectedModeOffset();
            lowMemory.write(Layout.KERNEL_LOAD_ADDRESS, bzImage, pm, bzImage.length - pm);
            return;
        }
        for (ElfKernel.Segment s : elf.segments()) {
            lowMemory.write(s.physicalAddress(), elf.image(), (int) s.fileOffset(), (int) s.fileSize());
            if (s.memorySize() > s.fileSize()) {
                lowMemory.fill(s.physicalAddress() + s.fileSize(), s.memorySize() - s.fileSize(), (byte) 0);
            }
        }
    }

    /** The bzImage bytes ({@link EntryKind#BZIMAGE_64}, and {@link EntryKind#ELF_64} from a bzImage), else null. */
    byte[] bzImage() {
        return bzImage;
    }

    /** The guest-physical address the vCPU starts at. */
    long entryAddress() {
        switch (entry) {
            case BZIMAGE_64:
                return Layout.KERNEL_LOAD_ADDRESS + Layout.KERNEL_64BIT_ENTRY_OFFSET;
            case ELF_64:
                return elf.entryPoint();
            default:
                return elf.pvhEntry().getAsLong();
        }
    }

    private static void checkEnd(GuestMemory memory, long end, String what) {
        long available = memory.guestAddress() + memory.size();
        if (memory.guestAddress() != 0 || end > available) {
            throw new BootException(what + " does not fit in " + (available >> 20) + " MiB of guest memory below "
                    + "the MMIO hole: it needs " + ((end + (1 << 20) - 1) >> 20) + " MiB");
        }
    }
}
