package org.vmm4j.linux.internal;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.LONG;
import static org.vmm4j.internal.nat.CType.POINTER;
import static org.vmm4j.internal.nat.CType.VOID;

import org.vmm4j.HypervisorUnavailableException;
import org.vmm4j.VmmException;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.Libc;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeLibrary;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;

/**
 * The libvirt C API ({@code libvirt.so.0}) bound through the native seam: one field per function of
 * {@code libvirt-host.h}, {@code libvirt-domain.h}, {@code libvirt-domain-snapshot.h},
 * {@code libvirt-network.h}, {@code libvirt-storage.h}, {@code libvirt-stream.h},
 * {@code libvirt-event.h} and {@code virterror.h} that vmm4j calls. Bound once per process; every
 * call allocates nothing. Pointers are addresses ({@code long}).
 */
public final class Libvirt {
    private static final class Holder {
        static final Object INSTANCE = loadOrFailure();
    }

    public final NativeAccess access;
    public final NativeLibrary library;

    // libc
    public final NativeFunction free;
    public final NativeFunction malloc;

    // virterror.h
    public final NativeFunction virSetErrorFunc;
    public final NativeFunction virGetLastErrorCode;
    public final NativeFunction virGetLastErrorDomain;
    public final NativeFunction virGetLastErrorMessage;
    public final NativeFunction virResetLastError;

    // libvirt-host.h
    public final NativeFunction virGetVersion;
    public final NativeFunction virConnectOpen;
    public final NativeFunction virConnectOpenAuth;
    public final NativeFunction virConnectClose;
    public final NativeFunction virConnectGetURI;
    public final NativeFunction virConnectSetKeepAlive;
    public final NativeFunction virConnectGetCapabilities;
    public final NativeFunction virConnectIsAlive;

    // libvirt-domain.h
    public final NativeFunction virConnectListAllDomains;
    public final NativeFunction virDomainLookupByName;
    public final NativeFunction virDomainLookupByUUIDString;
    public final NativeFunction virDomainDefineXML;
    public final NativeFunction virDomainCreateXML;
    public final NativeFunction virDomainFree;
    public final NativeFunction virDomainGetName;
    public final NativeFunction virDomainGetUUIDString;
    public final NativeFunction virDomainGetInfo;
    public final NativeFunction virDomainGetState;
    public final NativeFunction virDomainGetXMLDesc;
    public final NativeFunction virDomainCreate;
    public final NativeFunction virDomainShutdownFlags;
    public final NativeFunction virDomainDestroy;
    public final NativeFunction virDomainReboot;
    public final NativeFunction virDomainReset;
    public final NativeFunction virDomainSuspend;
    public final NativeFunction virDomainResume;
    public final NativeFunction virDomainUndefineFlags;
    public final NativeFunction virDomainRename;
    public final NativeFunction virDomainSetMemoryFlags;
    public final NativeFunction virDomainSetVcpusFlags;
    public final NativeFunction virDomainGetVcpusFlags;
    public final NativeFunction virDomainGetAutostart;
    public final NativeFunction virDomainSetAutostart;
    public final NativeFunction virDomainIsActive;
    public final NativeFunction virDomainInterfaceAddresses;
    public final NativeFunction virDomainInterfaceFree;
    public final NativeFunction virConnectGetAllDomainStats;
    public final NativeFunction virDomainStatsRecordListFree;
    public final NativeFunction virConnectDomainEventRegisterAny;
    public final NativeFunction virConnectDomainEventDeregisterAny;
    public final NativeFunction virDomainOpenConsole;

    // libvirt-domain-snapshot.h
    public final NativeFunction virDomainSnapshotCreateXML;
    public final NativeFunction virDomainListAllSnapshots;
    public final NativeFunction virDomainSnapshotGetName;
    public final NativeFunction virDomainSnapshotGetXMLDesc;
    public final NativeFunction virDomainSnapshotCurrent;
    public final NativeFunction virDomainSnapshotLookupByName;
    public final NativeFunction virDomainSnapshotIsCurrent;
    public final NativeFunction virDomainRevertToSnapshot;
    public final NativeFunction virDomainSnapshotDelete;
    public final NativeFunction virDomainSnapshotFree;

    // libvirt-network.h
    public final NativeFunction virConnectListAllNetworks;
    public final NativeFunction virNetworkLookupByName;
    public final NativeFunction virNetworkDefineXML;
    public final NativeFunction virNetworkCreate;
    public final NativeFunction virNetworkDestroy;
    public final NativeFunction virNetworkUndefine;
    public final NativeFunction virNetworkGetName;
    public final NativeFunction virNetworkGetXMLDesc;
    public final NativeFunction virNetworkIsActive;
    public final NativeFunction virNetworkGetAutostart;
    public final NativeFunction virNetworkSetAutostart;
    public final NativeFunction virNetworkGetDHCPLeases;
    public final NativeFunction virNetworkDHCPLeaseFree;
    public final NativeFunction virNetworkFree;

    // libvirt-storage.h and libvirt-stream.h
    public final NativeFunction virConnectListAllStoragePools;
    public final NativeFunction virStoragePoolLookupByName;
    public final NativeFunction virStoragePoolDefineXML;
    public final NativeFunction virStoragePoolBuild;
    public final NativeFunction virStoragePoolCreate;
    public final NativeFunction virStoragePoolDestroy;
    public final NativeFunction virStoragePoolUndefine;
    public final NativeFunction virStoragePoolGetName;
    public final NativeFunction virStoragePoolIsActive;
    public final NativeFunction virStoragePoolSetAutostart;
    public final NativeFunction virStoragePoolRefresh;
    public final NativeFunction virStoragePoolListAllVolumes;
    public final NativeFunction virStoragePoolFree;
    public final NativeFunction virStorageVolCreateXML;
    public final NativeFunction virStorageVolLookupByName;
    public final NativeFunction virStorageVolLookupByPath;
    public final NativeFunction virStorageVolGetName;
    public final NativeFunction virStorageVolGetPath;
    public final NativeFunction virStorageVolGetInfo;
    public final NativeFunction virStorageVolGetXMLDesc;
    public final NativeFunction virStorageVolDelete;
    public final NativeFunction virStorageVolUpload;
    public final NativeFunction virStorageVolFree;
    public final NativeFunction virStreamNew;
    public final NativeFunction virStreamSend;
    public final NativeFunction virStreamRecv;
    public final NativeFunction virStreamEventAddCallback;
    public final NativeFunction virStreamEventUpdateCallback;
    public final NativeFunction virStreamEventRemoveCallback;
    public final NativeFunction virStreamFinish;
    public final NativeFunction virStreamAbort;
    public final NativeFunction virStreamFree;

    // libvirt-event.h
    public final NativeFunction virEventRegisterDefaultImpl;
    public final NativeFunction virEventRunDefaultImpl;
    public final NativeFunction virEventAddTimeout;
    public final NativeFunction virEventRemoveTimeout;

    private Libvirt(NativeAccess access, NativeLibrary library) {
        this.access = access;
        this.library = library;
        NativeLibrary libc = access.libc();
        free = libc.function("free", Signature.of(VOID, POINTER));
        malloc = libc.function("malloc", Signature.of(POINTER, LONG));

        virSetErrorFunc = f("virSetErrorFunc", VOID, POINTER, POINTER);
        virGetLastErrorCode = f("virGetLastErrorCode", INT);
        virGetLastErrorDomain = f("virGetLastErrorDomain", INT);
        virGetLastErrorMessage = f("virGetLastErrorMessage", POINTER);
        virResetLastError = f("virResetLastError", VOID);

        virGetVersion = f("virGetVersion", INT, POINTER, POINTER, POINTER);
        virConnectOpen = f("virConnectOpen", POINTER, POINTER);
        virConnectOpenAuth = f("virConnectOpenAuth", POINTER, POINTER, POINTER, INT);
        virConnectClose = f("virConnectClose", INT, POINTER);
        virConnectGetURI = f("virConnectGetURI", POINTER, POINTER);
        virConnectSetKeepAlive = f("virConnectSetKeepAlive", INT, POINTER, INT, INT);
        virConnectGetCapabilities = f("virConnectGetCapabilities", POINTER, POINTER);
        virConnectIsAlive = f("virConnectIsAlive", INT, POINTER);

        virConnectListAllDomains = f("virConnectListAllDomains", INT, POINTER, POINTER, INT);
        virDomainLookupByName = f("virDomainLookupByName", POINTER, POINTER, POINTER);
        virDomainLookupByUUIDString = f("virDomainLookupByUUIDString", POINTER, POINTER, POINTER);
        virDomainDefineXML = f("virDomainDefineXML", POINTER, POINTER, POINTER);
        virDomainCreateXML = f("virDomainCreateXML", POINTER, POINTER, POINTER, INT);
        virDomainFree = f("virDomainFree", INT, POINTER);
        virDomainGetName = f("virDomainGetName", POINTER, POINTER);
        virDomainGetUUIDString = f("virDomainGetUUIDString", INT, POINTER, POINTER);
        virDomainGetInfo = f("virDomainGetInfo", INT, POINTER, POINTER);
        virDomainGetState = f("virDomainGetState", INT, POINTER, POINTER, POINTER, INT);
        virDomainGetXMLDesc = f("virDomainGetXMLDesc", POINTER, POINTER, INT);
        virDomainCreate = f("virDomainCreate", INT, POINTER);
        virDomainShutdownFlags = f("virDomainShutdownFlags", INT, POINTER, INT);
        virDomainDestroy = f("virDomainDestroy", INT, POINTER);
        virDomainReboot = f("virDomainReboot", INT, POINTER, INT);
        virDomainReset = f("virDomainReset", INT, POINTER, INT);
        virDomainSuspend = f("virDomainSuspend", INT, POINTER);
        virDomainResume = f("virDomainResume", INT, POINTER);
        virDomainUndefineFlags = f("virDomainUndefineFlags", INT, POINTER, INT);
        virDomainRename = f("virDomainRename", INT, POINTER, POINTER, INT);
        virDomainSetMemoryFlags = f("virDomainSetMemoryFlags", INT, POINTER, LONG, INT);
        virDomainSetVcpusFlags = f("virDomainSetVcpusFlags", INT, POINTER, INT, INT);
        virDomainGetVcpusFlags = f("virDomainGetVcpusFlags", INT, POINTER, INT);
        virDomainGetAutostart = f("virDomainGetAutostart", INT, POINTER, POINTER);
        virDomainSetAutostart = f("virDomainSetAutostart", INT, POINTER, INT);
        virDomainIsActive = f("virDomainIsActive", INT, POINTER);
        virDomainInterfaceAddresses = f("virDomainInterfaceAddresses", INT, POINTER, POINTER, INT, INT);
        virDomainInterfaceFree = f("virDomainInterfaceFree", VOID, POINTER);
        virConnectGetAllDomainStats = f("virConnectGetAllDomainStats", INT, POINTER, INT, POINTER, INT);
        virDomainStatsRecordListFree = f("virDomainStatsRecordListFree", VOID, POINTER);
        virConnectDomainEventRegisterAny =
                f("virConnectDomainEventRegisterAny", INT, POINTER, POINTER, INT, POINTER, POINTER, POINTER);
        virConnectDomainEventDeregisterAny = f("virConnectDomainEventDeregisterAny", INT, POINTER, INT);
        virDomainOpenConsole = f("virDomainOpenConsole", INT, POINTER, POINTER, POINTER, INT);

        virDomainSnapshotCreateXML = f("virDomainSnapshotCreateXML", POINTER, POINTER, POINTER, INT);
        virDomainListAllSnapshots = f("virDomainListAllSnapshots", INT, POINTER, POINTER, INT);
        virDomainSnapshotGetName = f("virDomainSnapshotGetName", POINTER, POINTER);
        virDomainSnapshotGetXMLDesc = f("virDomainSnapshotGetXMLDesc", POINTER, POINTER, INT);
        virDomainSnapshotCurrent = f("virDomainSnapshotCurrent", POINTER, POINTER, INT);
        virDomainSnapshotLookupByName = f("virDomainSnapshotLookupByName", POINTER, POINTER, POINTER, INT);
        virDomainSnapshotIsCurrent = f("virDomainSnapshotIsCurrent", INT, POINTER, INT);
        virDomainRevertToSnapshot = f("virDomainRevertToSnapshot", INT, POINTER, INT);
        virDomainSnapshotDelete = f("virDomainSnapshotDelete", INT, POINTER, INT);
        virDomainSnapshotFree = f("virDomainSnapshotFree", INT, POINTER);

        virConnectListAllNetworks = f("virConnectListAllNetworks", INT, POINTER, POINTER, INT);
        virNetworkLookupByName = f("virNetworkLookupByName", POINTER, POINTER, POINTER);
        virNetworkDefineXML = f("virNetworkDefineXML", POINTER, POINTER, POINTER);
        virNetworkCreate = f("virNetworkCreate", INT, POINTER);
        virNetworkDestroy = f("virNetworkDestroy", INT, POINTER);
        virNetworkUndefine = f("virNetworkUndefine", INT, POINTER);
        virNetworkGetName = f("virNetworkGetName", POINTER, POINTER);
        virNetworkGetXMLDesc = f("virNetworkGetXMLDesc", POINTER, POINTER, INT);
        virNetworkIsActive = f("virNetworkIsActive", INT, POINTER);
        virNetworkGetAutostart = f("virNetworkGetAutostart", INT, POINTER, POINTER);
        virNetworkSetAutostart = f("virNetworkSetAutostart", INT, POINTER, INT);
        virNetworkGetDHCPLeases = f("virNetworkGetDHCPLeases", INT, POINTER, POINTER, POINTER, INT);
        virNetworkDHCPLeaseFree = f("virNetworkDHCPLeaseFree", VOID, POINTER);
        virNetworkFree = f("virNetworkFree", INT, POINTER);

        virConnectListAllStoragePools = f("virConnectListAllStoragePools", INT, POINTER, POINTER, INT);
        virStoragePoolLookupByName = f("virStoragePoolLookupByName", POINTER, POINTER, POINTER);
        virStoragePoolDefineXML = f("virStoragePoolDefineXML", POINTER, POINTER, POINTER, INT);
        virStoragePoolBuild = f("virStoragePoolBuild", INT, POINTER, INT);
        virStoragePoolCreate = f("virStoragePoolCreate", INT, POINTER, INT);
        virStoragePoolDestroy = f("virStoragePoolDestroy", INT, POINTER);
        virStoragePoolUndefine = f("virStoragePoolUndefine", INT, POINTER);
        virStoragePoolGetName = f("virStoragePoolGetName", POINTER, POINTER);
        virStoragePoolIsActive = f("virStoragePoolIsActive", INT, POINTER);
        virStoragePoolSetAutostart = f("virStoragePoolSetAutostart", INT, POINTER, INT);
        virStoragePoolRefresh = f("virStoragePoolRefresh", INT, POINTER, INT);
        virStoragePoolListAllVolumes = f("virStoragePoolListAllVolumes", INT, POINTER, POINTER, INT);
        virStoragePoolFree = f("virStoragePoolFree", INT, POINTER);
        virStorageVolCreateXML = f("virStorageVolCreateXML", POINTER, POINTER, POINTER, INT);
        virStorageVolLookupByName = f("virStorageVolLookupByName", POINTER, POINTER, POINTER);
        virStorageVolLookupByPath = f("virStorageVolLookupByPath", POINTER, POINTER, POINTER);
        virStorageVolGetName = f("virStorageVolGetName", POINTER, POINTER);
        virStorageVolGetPath = f("virStorageVolGetPath", POINTER, POINTER);
        virStorageVolGetInfo = f("virStorageVolGetInfo", INT, POINTER, POINTER);
        virStorageVolGetXMLDesc = f("virStorageVolGetXMLDesc", POINTER, POINTER, INT);
        virStorageVolDelete = f("virStorageVolDelete", INT, POINTER, INT);
        virStorageVolUpload = f("virStorageVolUpload", INT, POINTER, POINTER, LONG, LONG, INT);
        virStorageVolFree = f("virStorageVolFree", INT, POINTER);
        virStreamNew = f("virStreamNew", POINTER, POINTER, INT);
        virStreamSend = f("virStreamSend", INT, POINTER, POINTER, LONG);
        virStreamRecv = f("virStreamRecv", INT, POINTER, POINTER, LONG);
        virStreamEventAddCallback = f("virStreamEventAddCallback", INT, POINTER, INT, POINTER, POINTER, POINTER);
        virStreamEventUpdateCallback = f("virStreamEventUpdateCallback", INT, POINTER, INT);
        virStreamEventRemoveCallback = f("virStreamEventRemoveCallback", INT, POINTER);
        virStreamFinish = f("virStreamFinish", INT, POINTER);
        virStreamAbort = f("virStreamAbort", INT, POINTER);
        virStreamFree = f("virStreamFree", INT, POINTER);

        virEventRegisterDefaultImpl = f("virEventRegisterDefaultImpl", INT);
        virEventRunDefaultImpl = f("virEventRunDefaultImpl", INT);
        virEventAddTimeout = f("virEventAddTimeout", INT, INT, POINTER, POINTER, POINTER);
        virEventRemoveTimeout = f("virEventRemoveTimeout", INT, INT);
    }

    private NativeFunction f(String name, CType result, CType... parameters) {
        return library.function(name, Signature.of(result, parameters));
    }

    /**
     * libvirt, loaded and set up once: vmm4j's error handler installed (so libvirt prints nothing to
     * stderr) and the default event loop implementation registered (so connections opened later
     * can deliver events and keepalives once {@link LibvirtEventLoop} runs it).
     *
     * @throws HypervisorUnavailableException when libvirt.so.0 cannot be loaded or lacks a symbol
     */
    public static Libvirt get() {
        Object o = Holder.INSTANCE;
        if (o instanceof Libvirt libvirt) {
            return libvirt;
        }
        RuntimeException cause = (RuntimeException) o;
        throw new HypervisorUnavailableException("libvirt is not available: " + cause.getMessage(), cause);
    }

    /** Whether libvirt.so.0 loaded and bound; never throws. */
    public static boolean isAvailable() {
        return Holder.INSTANCE instanceof Libvirt;
    }

    /** Why libvirt cannot be used, or {@code null} when it can. */
    public static String unavailableReason() {
        Object o = Holder.INSTANCE;
        return o instanceof Libvirt ? null : ((RuntimeException) o).getMessage();
    }

    private static Object loadOrFailure() {
        try {
            NativeAccess access = NativeAccess.get();
            Libvirt libvirt = new Libvirt(access, access.load("libvirt.so.0", "libvirt.so"));
            LibvirtErrors.install(libvirt);
            if (libvirt.virEventRegisterDefaultImpl.call() < 0) {
                throw LibvirtErrors.failure(libvirt, "virEventRegisterDefaultImpl");
            }
            return libvirt;
        } catch (VmmException | LinkageError | IllegalArgumentException e) {
            return e instanceof RuntimeException r ? r : new VmmException(e.toString(), e);
        }
    }

    /** libvirt's version as major * 1,000,000 + minor * 1,000 + release. */
    public long version() {
        try (var out = access.allocate(8)) {
            if (virGetVersion.call(out.address(), 0, 0) < 0) {
                throw LibvirtErrors.failure(this, "virGetVersion");
            }
            return out.getLong(0);
        }
    }

    /** Reads a string libvirt allocated and frees it with free(3); {@code null} for address 0. */
    public String takeString(long address) {
        if (address == 0) {
            return null;
        }
        try {
            return access.readString(address);
        } finally {
            free.call(address);
        }
    }

    /** A NUL-terminated UTF-8 copy of {@code value}; close it after the call. */
    public NativeMemory cString(String value) {
        return Libc.get().cString(value);
    }
}
