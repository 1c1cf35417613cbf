package org.vmm4j.linux.guest;

import static org.vmm4j.internal.nat.CType.INT;
import static org.vmm4j.internal.nat.CType.POINTER;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestEventListener;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestStats;
import org.vmm4j.guest.NetworkSpec;
import org.vmm4j.internal.nat.NativeCallback;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.internal.nat.Signature;
import org.vmm4j.linux.abi.LibvirtLayout;
import org.vmm4j.linux.host.LinuxProbe;
import org.vmm4j.linux.host.LiveLinuxHostFacts;
import org.vmm4j.linux.internal.DomainStats;
import org.vmm4j.linux.internal.Libvirt;
import org.vmm4j.linux.internal.LibvirtErrors;
import org.vmm4j.linux.internal.LibvirtEvents;
import org.vmm4j.linux.internal.LibvirtHandle;
import org.vmm4j.linux.internal.Scratch;

/**
 * Guests, networks and storage pools of one libvirt connection ({@code virConnectPtr}).
 * Thread-safe: libvirt connections are, and every object vmm4j hands out guards its own reference.
 * {@link #close()} closes the connection; guests, networks, pools and volumes obtained from it keep
 * the connection's memory alive until they are closed themselves (libvirt counts references), so
 * close those too, or use try-with-resources.
 *
 * <pre>{@code
 * try (var libvirt = LibvirtGuestManager.connect("qemu:///system");
 *      var guest = libvirt.define(GuestSpec.builder("web1").memoryMiB(1024).build())) {
 *     guest.start();
 * }
 * }</pre>
 */
public final class LibvirtGuestManager implements GuestManager {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtGuestManager.class);

    /** The URI {@link #connect()} uses. */
    public static final String DEFAULT_URI = "qemu:///system";

    final Libvirt lv;
    final LibvirtHandle conn;
    private final String uri;
    private final LibvirtEvents events;
    private volatile DomainTypes domainTypes;

    private LibvirtGuestManager(Libvirt lv, long connection, String uri) {
        this.lv = lv;
        this.conn = new LibvirtHandle(this, connection, lv.virConnectClose, "libvirt connection to " + uri);
        this.uri = uri;
        this.events = new LibvirtEvents(lv, conn, uri);
        events.holdLoop();
    }

    /**
     * Whether libvirt's client library ({@code libvirt.so.0}) is installed and usable by this JVM;
     * loads it on first call but connects to nothing. For {@code Hypervisor.probe()}.
     */
    public static boolean isLibraryAvailable() {
        return Libvirt.isAvailable();
    }

    /** Why libvirt's client library cannot be used (not installed, no native access), or empty. */
    public static Optional<String> libraryUnavailableReason() {
        return Optional.ofNullable(Libvirt.unavailableReason());
    }

    /** The installed client library's version as major * 1,000,000 + minor * 1,000 + release. */
    public static long installedLibraryVersion() {
        return Libvirt.get().version();
    }

    /** Connects to {@link #DEFAULT_URI}. */
    public static LibvirtGuestManager connect() {
        return connect(DEFAULT_URI);
    }

    /**
     * Connects to any libvirt URI: {@code qemu:///system}, {@code qemu:///session},
     * {@code test:///default}, {@code qemu+ssh://host/system}, ...
     *
     * @throws LibvirtException when libvirt cannot connect (no daemon, no permission, unknown driver)
     * @throws org.vmm4j.HypervisorUnavailableException when libvirt itself is not installed
     */
    public static LibvirtGuestManager connect(String uri) {
        Objects.requireNonNull(uri, "uri");
        Libvirt lv = Libvirt.get();
        long c;
        try (NativeMemory cUri = lv.cString(uri)) {
            c = lv.virConnectOpen.call(cUri.address());
        }
        LibvirtErrors.checkPointer(lv, c, "virConnectOpen(" + uri + ")");
        return new LibvirtGuestManager(lv, c, uri);
    }

    /**
     * Connects to {@code uri}, answering credential prompts (user names, passwords, passphrases)
     * with {@code authenticator}.
     */
    public static LibvirtGuestManager connect(String uri, LibvirtAuthenticator authenticator) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(authenticator, "authenticator");
        Libvirt lv = Libvirt.get();
        LibvirtAuthenticator.CredentialType[] types = LibvirtAuthenticator.CredentialType.values();
        long c;
        try (NativeMemory cUri = lv.cString(uri);
                NativeMemory credTypes = lv.access.allocate(4L * types.length);
                NativeMemory auth = lv.access.allocate(LibvirtLayout.AUTH_SIZE);
                NativeCallback callback = authCallback(lv, authenticator)) {
            for (int i = 0; i < types.length; i++) {
                credTypes.putInt(4L * i, types[i].value());
            }
            auth.putLong(LibvirtLayout.AUTH_CREDTYPE, credTypes.address());
            auth.putInt(LibvirtLayout.AUTH_NCREDTYPE, types.length);
            auth.putLong(LibvirtLayout.AUTH_CB, callback.address());
            auth.putLong(LibvirtLayout.AUTH_CBDATA, 0);
            c = lv.virConnectOpenAuth.call(cUri.address(), auth.address(), 0);
        }
        LibvirtErrors.checkPointer(lv, c, "virConnectOpenAuth(" + uri + ")");
        return new LibvirtGuestManager(lv, c, uri);
    }

    private static NativeCallback authCallback(Libvirt lv, LibvirtAuthenticator authenticator) {
        try {
            MethodHandle target = MethodHandles.lookup()
                    .findStatic(
                            LibvirtGuestManager.class,
                            "answer",
                            MethodType.methodType(
                                    int.class,
                                    Libvirt.class,
                                    LibvirtAuthenticator.class,
                                    long.class,
                                    int.class,
                                    long.class));
            target = MethodHandles.insertArguments(target, 0, lv, authenticator);
            return lv.access.upcall(target, Signature.of(INT, POINTER, INT, POINTER));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** virConnectAuthCallbackPtr: fills in each credential's malloc'd result, which libvirt frees. */
    static int answer(Libvirt lv, LibvirtAuthenticator authenticator, long credentials, int count, long data) {
        try {
            NativeMemory all = lv.access.view(credentials, count * LibvirtLayout.CREDENTIAL_SIZE);
            for (int i = 0; i < count; i++) {
                long base = i * LibvirtLayout.CREDENTIAL_SIZE;
                var credential = new LibvirtAuthenticator.Credential(
                        LibvirtAuthenticator.CredentialType.of(all.getInt(base + LibvirtLayout.CREDENTIAL_TYPE)),
                        lv.access.readString(all.getLong(base + LibvirtLayout.CREDENTIAL_PROMPT)),
                        lv.access.readString(all.getLong(base + LibvirtLayout.CREDENTIAL_CHALLENGE)),
                        lv.access.readString(all.getLong(base + LibvirtLayout.CREDENTIAL_DEFRESULT)));
                String answer = authenticator.answer(credential);
                if (answer == null) {
                    return -1;
                }
                byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
                long result = lv.malloc.call(bytes.length + 1L);
                if (result == 0) {
                    return -1;
                }
                NativeMemory copy = lv.access.view(result, bytes.length + 1L);
                copy.put(0, bytes, 0, bytes.length);
                copy.putByte(bytes.length, (byte) 0);
                all.putLong(base + LibvirtLayout.CREDENTIAL_RESULT, result);
                all.putInt(base + LibvirtLayout.CREDENTIAL_RESULTLEN, bytes.length);
            }
            return 0;
        } catch (Throwable t) {
            // an exception escaping an upcall would end the JVM
            LOG.warn("answering libvirt's credential request failed, so the connection is refused", t);
            return -1;
        }
    }

    @Override
    public String kind() {
        return "libvirt";
    }

    @Override
    public String uri() {
        return uri;
    }

    /** The URI libvirt resolved the connection to (e.g. {@code qemu:///system} for {@code null}). */
    public String canonicalUri() {
        long c = conn.acquire();
        try {
            return lv.takeString(LibvirtErrors.checkPointer(lv, lv.virConnectGetURI.call(c), "virConnectGetURI"));
        } finally {
            conn.release();
        }
    }

    /** The libvirt library version, major * 1,000,000 + minor * 1,000 + release. */
    public long libraryVersion() {
        return lv.version();
    }

    /** Whether the connection is still open and, for remote ones, the daemon answers. */
    public boolean isAlive() {
        if (conn.isClosed()) {
            return false;
        }
        long c = conn.acquire();
        try {
            return lv.virConnectIsAlive.call(c) == 1;
        } finally {
            conn.release();
        }
    }

    /** The host's capabilities XML. */
    public String capabilitiesXml() {
        long c = conn.acquire();
        try {
            return lv.takeString(
                    LibvirtErrors.checkPointer(lv, lv.virConnectGetCapabilities.call(c), "virConnectGetCapabilities"));
        } finally {
            conn.release();
        }
    }

    @Override
    public List<Guest> list(GuestFilter filter) {
        return java.util.Collections.unmodifiableList(guests(filter));
    }

    /** Like {@link #list(GuestFilter)}, typed: each guest holds a reference to close. */
    public List<LibvirtGuest> guests(GuestFilter filter) {
        int flags = filter == GuestFilter.ACTIVE
                ? LibvirtLayout.LIST_DOMAINS_ACTIVE
                : filter == GuestFilter.INACTIVE ? LibvirtLayout.LIST_DOMAINS_INACTIVE : 0;
        return listAll(
                lv.virConnectListAllDomains,
                flags,
                "virConnectListAllDomains",
                lv.virDomainFree,
                d -> new LibvirtGuest(this, d));
    }

    /**
     * Calls a {@code virConnectListAll*}-style function ({@code int f(obj, T ***out, flags)}), wraps
     * every element and frees the array with free(3). On a failure while wrapping, the references
     * not yet owned are freed with {@code freeElement}.
     */
    <T> List<T> listAll(
            NativeFunction function,
            long owner,
            int flags,
            String operation,
            NativeFunction freeElement,
            LongFunction<T> wrap) {
        NativeMemory out = Scratch.take(lv.access);
        try {
            int n = LibvirtErrors.check(lv, function.call(owner, out.address(), flags), operation);
            long array = out.getLong(0);
            if (array == 0) {
                return new ArrayList<>();
            }
            NativeMemory elements = lv.access.view(array, 8L * n);
            List<T> result = new ArrayList<>(n);
            int i = 0;
            try {
                for (; i < n; i++) {
                    result.add(wrap.apply(elements.getLong(8L * i)));
                }
            } finally {
                for (int j = i + 1; j < n; j++) {
                    freeElement.call(elements.getLong(8L * j));
                }
                lv.free.call(array);
            }
            return result;
        } finally {
            Scratch.give(out);
        }
    }

    private <T> List<T> listAll(
            NativeFunction function, int flags, String operation, NativeFunction freeElement, LongFunction<T> wrap) {
        long c = conn.acquire();
        try {
            return listAll(function, c, flags, operation, freeElement, wrap);
        } finally {
            conn.release();
        }
    }

    @Override
    public Optional<Guest> find(String name) {
        return findGuest(name).map(Guest.class::cast);
    }

    @Override
    public Optional<Guest> find(UUID uuid) {
        return findGuest(uuid).map(Guest.class::cast);
    }

    public Optional<LibvirtGuest> findGuest(String name) {
        Objects.requireNonNull(name, "name");
        long d = lookup(lv.virDomainLookupByName, name, "virDomainLookupByName", LibvirtException.NO_DOMAIN);
        return d == 0 ? Optional.empty() : Optional.of(new LibvirtGuest(this, d, name));
    }

    public Optional<LibvirtGuest> findGuest(UUID uuid) {
        long d = lookup(
                lv.virDomainLookupByUUIDString,
                uuid.toString(),
                "virDomainLookupByUUIDString",
                LibvirtException.NO_DOMAIN);
        return d == 0 ? Optional.empty() : Optional.of(new LibvirtGuest(this, d));
    }

    /** {@code f(conn, "key")}; 0 when libvirt says {@code notFoundCode}, else throws on failure. */
    long lookup(NativeFunction function, String key, String operation, int notFoundCode) {
        long c = conn.acquire();
        NativeMemory cKey = Scratch.fitsString(key) ? Scratch.take(lv.access) : null;
        try {
            long result;
            if (cKey != null) {
                Scratch.putString(cKey, key);
                result = function.call(c, cKey.address());
            } else {
                try (NativeMemory longKey = lv.cString(key)) {
                    result = function.call(c, longKey.address());
                }
            }
            if (result != 0) {
                return result;
            }
            LibvirtException e = LibvirtErrors.failure(lv, operation + "(" + key + ")");
            if (e.code() == notFoundCode) {
                return 0;
            }
            throw e;
        } finally {
            if (cKey != null) {
                Scratch.give(cKey);
            }
            conn.release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * The guest's domain type follows its spec's accelerator ({@link #acceleratorChoice}).
     *
     * @throws IllegalArgumentException if a guest of that name is already defined (libvirt would
     *         otherwise answer with an error naming the existing UUID)
     * @throws UnsupportedOperationException if the spec asks for {@link Accelerator#KVM} and the host
     *         offers no kvm domain
     */
    @Override
    public LibvirtGuest define(GuestSpec spec) {
        Optional<LibvirtGuest> existing = findGuest(spec.name());
        if (existing.isPresent()) {
            existing.get().close();
            throw new IllegalArgumentException("a guest named " + spec.name() + " already exists");
        }
        LibvirtGuest guest = defineXml(
                DomainXml.toXml(spec, acceleratorChoice(spec.accelerator()).type()));
        if (spec.autostart()) {
            guest.setAutostart(true);
        }
        return guest;
    }

    /** Defines (or redefines) a persistent guest from libvirt domain XML, as is. */
    public LibvirtGuest defineXml(String xml) {
        long c = conn.acquire();
        try (NativeMemory cXml = lv.cString(xml)) {
            long d =
                    LibvirtErrors.checkPointer(lv, lv.virDomainDefineXML.call(c, cXml.address()), "virDomainDefineXML");
            return new LibvirtGuest(this, d);
        } finally {
            conn.release();
        }
    }

    /**
     * Starts a transient guest from libvirt domain XML, as is: it is never defined, and libvirt
     * forgets it once it stops (a {@link LibvirtGuest#shutdown} that sees it disappear has succeeded).
     */
    public LibvirtGuest createXml(String xml) {
        long c = conn.acquire();
        try (NativeMemory cXml = lv.cString(xml)) {
            long d = LibvirtErrors.checkPointer(
                    lv, lv.virDomainCreateXML.call(c, cXml.address(), 0), "virDomainCreateXML");
            return new LibvirtGuest(this, d);
        } finally {
            conn.release();
        }
    }

    /**
     * The domain type guests get that leave the choice to vmm4j ({@link Accelerator#AUTO}): see
     * {@link #acceleratorChoice}.
     */
    public String domainType() {
        return acceleratorChoice(Accelerator.AUTO).type();
    }

    /**
     * {@inheritDoc} On libvirt: {@link Accelerator#KVM} is domain type {@code kvm}, {@link Accelerator#TCG}
     * is {@code qemu}, and {@link Accelerator#AUTO} is {@code kvm} only when the host's capabilities offer
     * it for x86_64 and, for a connection to this host (a URI without a host name), KVM here runs guest
     * code in hardware ({@link LinuxProbe#guestCodeEmulated}: not through {@code kvm_pvm}); else
     * {@code qemu}. A remote host's KVM is not probed: its capabilities decide. On the {@code test:///}
     * driver every guest is of type {@code test}.
     *
     * @throws UnsupportedOperationException for {@link Accelerator#KVM} when the host offers no kvm domain
     */
    @Override
    public AcceleratorChoice acceleratorChoice(Accelerator requested) {
        Objects.requireNonNull(requested, "requested");
        if (uri.startsWith("test:")) {
            return DomainTypes.testDriver();
        }
        DomainTypes types = domainTypes;
        if (types == null) {
            types = DomainTypes.fromCapabilities(capabilitiesXml());
            domainTypes = types;
        }
        Optional<Boolean> emulated =
                isLocal(uri) ? Optional.of(LinuxProbe.guestCodeEmulated(new LiveLinuxHostFacts())) : Optional.empty();
        return types.choose(requested, uri, emulated);
    }

    /** Whether {@code uri} reaches this host's libvirt: no host name ({@code qemu:///system}). */
    static boolean isLocal(String uri) {
        try {
            String host = new URI(uri).getHost();
            return host == null || host.isEmpty();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    @Override
    public List<GuestStats> stats(GuestFilter filter) {
        long c = conn.acquire();
        try {
            return DomainStats.query(lv, c, filter);
        } finally {
            conn.release();
        }
    }

    /**
     * Registers a listener for lifecycle and reboot events of every guest on this connection. The
     * first listener starts vmm4j's event loop thread (shared by all connections in the process).
     */
    @Override
    public AutoCloseable addListener(GuestEventListener listener) {
        return events.add(listener);
    }

    // --- networks ---

    public List<LibvirtNetwork> networks() {
        return listAll(
                lv.virConnectListAllNetworks,
                0,
                "virConnectListAllNetworks",
                lv.virNetworkFree,
                n -> new LibvirtNetwork(this, n));
    }

    public Optional<LibvirtNetwork> findNetwork(String name) {
        long n = lookup(lv.virNetworkLookupByName, name, "virNetworkLookupByName", LibvirtException.NO_NETWORK);
        return n == 0 ? Optional.empty() : Optional.of(new LibvirtNetwork(this, n));
    }

    /** Defines a persistent network; it is not started. */
    public LibvirtNetwork defineNetwork(NetworkSpec spec) {
        return defineNetworkXml(NetworkXml.toXml(spec));
    }

    public LibvirtNetwork defineNetworkXml(String xml) {
        long c = conn.acquire();
        try (NativeMemory cXml = lv.cString(xml)) {
            long n = LibvirtErrors.checkPointer(
                    lv, lv.virNetworkDefineXML.call(c, cXml.address()), "virNetworkDefineXML");
            return new LibvirtNetwork(this, n);
        } finally {
            conn.release();
        }
    }

    // --- storage ---

    public List<LibvirtStoragePool> pools() {
        return listAll(
                lv.virConnectListAllStoragePools,
                0,
                "virConnectListAllStoragePools",
                lv.virStoragePoolFree,
                p -> new LibvirtStoragePool(this, p));
    }

    public Optional<LibvirtStoragePool> findPool(String name) {
        long p = lookup(
                lv.virStoragePoolLookupByName, name, "virStoragePoolLookupByName", LibvirtException.NO_STORAGE_POOL);
        return p == 0 ? Optional.empty() : Optional.of(new LibvirtStoragePool(this, p));
    }

    /**
     * Defines a directory pool at {@code path} and builds it (creates the directory); it is not
     * started.
     */
    public LibvirtStoragePool defineDirectoryPool(String name, String path) {
        String xml = StorageXml.directoryPool(name, path);
        long c = conn.acquire();
        try (NativeMemory cXml = lv.cString(xml)) {
            long p = LibvirtErrors.checkPointer(
                    lv, lv.virStoragePoolDefineXML.call(c, cXml.address(), 0), "virStoragePoolDefineXML");
            LibvirtStoragePool pool = new LibvirtStoragePool(this, p);
            try {
                pool.build();
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
            return pool;
        } finally {
            conn.release();
        }
    }

    /** The storage volume at {@code path}, if a pool of this connection holds it. */
    public Optional<LibvirtStorageVolume> findVolumeByPath(String path) {
        long v = lookup(
                lv.virStorageVolLookupByPath, path, "virStorageVolLookupByPath", LibvirtException.NO_STORAGE_VOL);
        return v == 0 ? Optional.empty() : Optional.of(new LibvirtStorageVolume(this, v));
    }

    /** Stops event delivery for this connection and closes it. Idempotent. */
    @Override
    public void close() {
        if (conn.isClosed()) {
            return;
        }
        events.close();
        conn.close();
    }
}
