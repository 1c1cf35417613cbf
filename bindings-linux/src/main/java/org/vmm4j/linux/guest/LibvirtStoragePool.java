package org.vmm4j.linux.guest;

import java.util.List;
import java.util.Optional;
import org.vmm4j.guest.VolumeSpec;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.internal.Libvirt;
import org.vmm4j.linux.internal.LibvirtErrors;
import org.vmm4j.linux.internal.LibvirtHandle;

/** A libvirt storage pool ({@code virStoragePoolPtr}); {@link #close()} releases the reference. */
public final class LibvirtStoragePool implements AutoCloseable {
    private final LibvirtGuestManager manager;
    private final Libvirt lv;
    private final LibvirtHandle pool;
    private final String name;

    LibvirtStoragePool(LibvirtGuestManager manager, long p) {
        this.manager = manager;
        this.lv = manager.lv;
        this.pool = new LibvirtHandle(this, p, lv.virStoragePoolFree, "libvirt storage pool");
        try {
            this.name = lv.access.readString(
                    LibvirtErrors.checkPointer(lv, lv.virStoragePoolGetName.call(p), "virStoragePoolGetName"));
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    private int call(NativeFunction f, String operation) {
        return pool.call(lv, f, operation, name);
    }

    private int call(NativeFunction f, long argument, String operation) {
        return pool.call(lv, f, argument, operation, name);
    }

    /** Creates the pool's directory (or formats its device). */
    public void build() {
        call(lv.virStoragePoolBuild, 0, "virStoragePoolBuild");
    }

    public void start() {
        call(lv.virStoragePoolCreate, 0, "virStoragePoolCreate");
    }

    public void stop() {
        call(lv.virStoragePoolDestroy, "virStoragePoolDestroy");
    }

    public boolean isActive() {
        return call(lv.virStoragePoolIsActive, "virStoragePoolIsActive") == 1;
    }

    public void setAutostart(boolean enabled) {
        call(lv.virStoragePoolSetAutostart, enabled ? 1 : 0, "virStoragePoolSetAutostart");
    }

    /** Rescans the pool for volumes created behind libvirt's back. */
    public void refresh() {
        call(lv.virStoragePoolRefresh, 0, "virStoragePoolRefresh");
    }

    /** Removes the definition; the directory and its volumes stay. */
    public void undefine() {
        call(lv.virStoragePoolUndefine, "virStoragePoolUndefine");
    }

    public List<LibvirtStorageVolume> volumes() {
        long p = pool.acquire();
        try {
            return manager.listAll(
                    lv.virStoragePoolListAllVolumes,
                    p,
                    0,
                    "virStoragePoolListAllVolumes(" + name + ")",
                    lv.virStorageVolFree,
                    v -> new LibvirtStorageVolume(manager, v));
        } finally {
            pool.release();
        }
    }

    public Optional<LibvirtStorageVolume> findVolume(String volumeName) {
        long p = pool.acquire();
        try (NativeMemory cName = lv.cString(volumeName)) {
            long v = lv.virStorageVolLookupByName.call(p, cName.address());
            if (v == 0) {
                LibvirtException e =
                        LibvirtErrors.failure(lv, "virStorageVolLookupByName(" + name + "/" + volumeName + ")");
                if (e.code() == LibvirtException.NO_STORAGE_VOL) {
                    return Optional.empty();
                }
                throw e;
            }
            return Optional.of(new LibvirtStorageVolume(manager, v));
        } finally {
            pool.release();
        }
    }

    /** Creates a raw or qcow2 volume, optionally a copy-on-write overlay of a backing volume. */
    public LibvirtStorageVolume createVolume(VolumeSpec spec) {
        String xml = StorageXml.volume(spec);
        long p = pool.acquire();
        try (NativeMemory cXml = lv.cString(xml)) {
            long v = LibvirtErrors.checkPointer(
                    lv,
                    lv.virStorageVolCreateXML.call(p, cXml.address(), 0),
                    "virStorageVolCreateXML(" + name + "/" + spec.name() + ")");
            return new LibvirtStorageVolume(manager, v);
        } finally {
            pool.release();
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "LibvirtStoragePool[" + name + "]";
    }
}
