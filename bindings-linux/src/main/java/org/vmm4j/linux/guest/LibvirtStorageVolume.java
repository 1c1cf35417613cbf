package org.vmm4j.linux.guest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.LibvirtLayout;
import org.vmm4j.linux.internal.Libvirt;
import org.vmm4j.linux.internal.LibvirtErrors;
import org.vmm4j.linux.internal.LibvirtHandle;

/** A storage volume ({@code virStorageVolPtr}); {@link #close()} releases the reference. */
public final class LibvirtStorageVolume implements AutoCloseable {
    private static final int CHUNK = 256 * 1024;

    private final LibvirtGuestManager manager;
    private final Libvirt lv;
    private final LibvirtHandle vol;
    private final String name;

    LibvirtStorageVolume(LibvirtGuestManager manager, long v) {
        this.manager = manager;
        this.lv = manager.lv;
        this.vol = new LibvirtHandle(this, v, lv.virStorageVolFree, "libvirt storage volume");
        try {
            this.name = lv.access.readString(
                    LibvirtErrors.checkPointer(lv, lv.virStorageVolGetName.call(v), "virStorageVolGetName"));
        } catch (RuntimeException e) {
            vol.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** The volume's path on the host, as a disk source. */
    public String path() {
        long v = vol.acquire();
        try {
            return lv.takeString(LibvirtErrors.checkPointer(
                    lv, lv.virStorageVolGetPath.call(v), "virStorageVolGetPath(" + name + ")"));
        } finally {
            vol.release();
        }
    }

    public String xml() {
        long v = vol.acquire();
        try {
            return lv.takeString(LibvirtErrors.checkPointer(
                    lv, lv.virStorageVolGetXMLDesc.call(v, 0), "virStorageVolGetXMLDesc(" + name + ")"));
        } finally {
            vol.release();
        }
    }

    /** The size the guest sees, in bytes. */
    public long capacity() {
        return info(LibvirtLayout.VOL_INFO_CAPACITY);
    }

    /** The bytes it occupies on the host. */
    public long allocation() {
        return info(LibvirtLayout.VOL_INFO_ALLOCATION);
    }

    private long info(long field) {
        long v = vol.acquire();
        try (NativeMemory info = lv.access.allocate(LibvirtLayout.VOL_INFO_SIZE)) {
            LibvirtErrors.check(
                    lv, lv.virStorageVolGetInfo.call(v, info.address()), "virStorageVolGetInfo(" + name + ")");
            return info.getLong(field);
        } finally {
            vol.release();
        }
    }

    /** Deletes the volume's data and closes this handle. */
    public void delete() {
        long v = vol.acquire();
        try {
            LibvirtErrors.check(lv, lv.virStorageVolDelete.call(v, 0), "virStorageVolDelete(" + name + ")");
        } finally {
            vol.release();
        }
        close();
    }

    /**
     * Copies {@code file} into the volume from offset 0 through a libvirt stream (works for remote
     * connections too).
     */
    public void upload(Path file) throws IOException {
        long size = Files.size(file);
        long v = vol.acquire();
        long c = manager.conn.acquire();
        long stream = 0;
        boolean finished = false;
        try (InputStream in = Files.newInputStream(file);
                NativeMemory buffer = lv.access.allocate(CHUNK)) {
            stream = LibvirtErrors.checkPointer(lv, lv.virStreamNew.call(c, 0), "virStreamNew");
            LibvirtErrors.check(
                    lv, lv.virStorageVolUpload.call(v, stream, 0, size, 0), "virStorageVolUpload(" + name + ")");
            byte[] chunk = new byte[CHUNK];
            int n;
            while ((n = in.read(chunk)) > 0) {
                buffer.put(0, chunk, 0, n);
                int off = 0;
                while (off < n) {
                    int sent = LibvirtErrors.check(
                            lv,
                            lv.virStreamSend.call(stream, buffer.address() + off, n - off),
                            "virStreamSend(" + name + ")");
                    off += sent;
                }
            }
            LibvirtErrors.check(lv, lv.virStreamFinish.call(stream), "virStreamFinish(" + name + ")");
            finished = true;
        } finally {
            if (stream != 0) {
                if (!finished) {
                    lv.virStreamAbort.call(stream);
                    LibvirtErrors.discard(lv);
                }
                lv.virStreamFree.call(stream);
            }
            manager.conn.release();
            vol.release();
        }
    }

    @Override
    public void close() {
        vol.close();
    }

    @Override
    public String toString() {
        return "LibvirtStorageVolume[" + name + "]";
    }
}
