package org.vmm4j.linux;

import org.vmm4j.DirtyLog;
import org.vmm4j.GuestMemory;
import org.vmm4j.internal.GuestMemoryMap;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmHeader;
import org.vmm4j.linux.abi.KvmStructs;

/** {@code KVM_GET_DIRTY_LOG} into a bitmap allocated once; the bitmap lives as long as the VM. */
final class KvmDirtyLog implements DirtyLog {
    private final KvmVm vm;
    private final Libc libc;
    private final NativeGuestMemory region;
    private final long pages;
    private final NativeMemory bitmap;
    private final NativeMemory request;
    private long dirtyCount;

    KvmDirtyLog(KvmVm vm, Libc libc, NativeGuestMemory region) {
        this.vm = vm;
        this.libc = libc;
        this.region = region;
        this.pages = region.size() / GuestMemoryMap.PAGE_SIZE;
        this.bitmap = libc.access().allocate(((pages + 63) / 64) * 8);
        this.request = libc.access().allocate(KvmStructs.DirtyLog.SIZE);
        request.putInt(KvmStructs.DirtyLog.SLOT, region.slot());
        request.putLong(KvmStructs.DirtyLog.DIRTY_BITMAP, bitmap.address());
    }

    @Override
    public GuestMemory region() {
        return region;
    }

    @Override
    public DirtyLog fetch() {
        vm.checkOpen();
        Errno.check(libc.ioctl(vm.fd(), KvmHeader.KVM_GET_DIRTY_LOG, request), "ioctl(KVM_GET_DIRTY_LOG)");
        long count = 0;
        for (long off = 0; off < bitmap.size(); off += 8) {
            count += Long.bitCount(bitmap.getLong(off));
        }
        dirtyCount = count;
        return this;
    }

    @Override
    public long pageCount() {
        return pages;
    }

    @Override
    public boolean isDirty(long pageIndex) {
        if (pageIndex < 0 || pageIndex >= pages) {
            throw new IndexOutOfBoundsException("page " + pageIndex + " outside a region of " + pages + " pages");
        }
        return (bitmap.getLong((pageIndex >>> 6) * 8) & (1L << (pageIndex & 63))) != 0;
    }

    @Override
    public long dirtyCount() {
        return dirtyCount;
    }

    void release() {
        bitmap.close();
        request.close();
    }
}
