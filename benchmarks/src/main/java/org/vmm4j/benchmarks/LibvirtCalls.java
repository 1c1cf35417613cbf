package org.vmm4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.linux.guest.LibvirtGuest;
import org.vmm4j.linux.guest.LibvirtGuestManager;

/**
 * libvirt calls on {@code test:///default} (no daemon; the driver's stock running guest "test"), each
 * three ways in the same run: {@link #vmm4j} (vmm4j's libvirt binding), {@link #c} (the same libvirt
 * call in a C loop, {@code libvirt_baseline.c}, batches of 1000 per call, reported per call) and
 * {@link #libvirtJava} (libvirt-java 0.5.3, the JNA binding). Each side has its own connection; the
 * test driver's state is per connection, so each sees one running guest.
 *
 * <ul>
 * <li>{@code getInfo}: virDomainGetInfo ({@code LibvirtGuest.basicInfo()}, {@code Domain.getInfo()}).
 * <li>{@code allDomainStats}: virConnectGetAllDomainStats with state, CPU, balloon, vCPU, interface and
 *     block stats, decoded ({@code GuestManager.stats(ALL)}; the C side decodes each record into a
 *     struct of the same typed figures, copying the name and strings, but keeps no map of every
 *     parameter as vmm4j's {@code raw()} does). libvirt-java has no bulk call; its side
 *     is what a libvirt-java user writes instead: list running IDs and defined names, look each guest
 *     up, virDomainGetInfo, free it. It reads less (no typed-parameter stats) with more calls.
 * <li>{@code lookupByName}: virDomainLookupByName plus virDomainFree ({@code findGuest} and close,
 *     {@code domainLookupByName} and {@code free}).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LibvirtCalls {
    private static final String URI = "test:///default";
    private static final String GUEST = "test";
    private static final int BATCH = 1000;

    /** The libvirt call measured. */
    @Param({"getInfo", "allDomainStats", "lookupByName"})
    public String call;

    private enum Call {
        GET_INFO,
        ALL_DOMAIN_STATS,
        LOOKUP_BY_NAME
    }

    private Call measured;

    private LibvirtGuestManager manager;
    private LibvirtGuest guest;
    private NativeFunction cLoop;
    private Connect libvirtJava;
    private Domain libvirtJavaGuest;

    @Setup(Level.Trial)
    public void setUp() throws LibvirtException {
        measured = switch (call) {
            case "getInfo" -> Call.GET_INFO;
            case "allDomainStats" -> Call.ALL_DOMAIN_STATS;
            case "lookupByName" -> Call.LOOKUP_BY_NAME;
            default -> throw new IllegalArgumentException("call " + call);
        };
        manager = LibvirtGuestManager.connect(URI);
        guest = manager.findGuest(GUEST)
                .orElseThrow(() -> new IllegalStateException("no guest " + GUEST + " on " + URI));
        cLoop = CBaseline.libvirtFunction(
                switch (measured) {
                    case GET_INFO -> "vmm4j_c_getinfo";
                    case ALL_DOMAIN_STATS -> "vmm4j_c_all_domain_stats";
                    case LOOKUP_BY_NAME -> "vmm4j_c_lookup_by_name";
                },
                CType.LONG,
                CType.LONG);
        libvirtJava = new Connect(URI);
        libvirtJavaGuest = libvirtJava.domainLookupByName(GUEST);
        // One call each before measuring, so a broken side fails the trial instead of being timed.
        if (vmm4j() == null || c() < 0 || libvirtJava() == null) {
            throw new IllegalStateException("a side of " + call + " returned nothing");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws LibvirtException {
        libvirtJavaGuest.free();
        libvirtJava.close();
        guest.close();
        manager.close();
    }

    @Benchmark
    public Object vmm4j() {
        switch (measured) {
            case GET_INFO:
                return guest.basicInfo();
            case ALL_DOMAIN_STATS:
                return manager.stats(GuestFilter.ALL);
            default:
                try (LibvirtGuest found = manager.findGuest(GUEST).orElseThrow()) {
                    return found;
                }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long c() {
        return cBatch(BATCH);
    }

    @Benchmark
    public Object libvirtJava() throws LibvirtException {
        switch (measured) {
            case GET_INFO:
                return libvirtJavaGuest.getInfo();
            case ALL_DOMAIN_STATS:
                return infoOfEveryGuest();
            default:
                Domain found = libvirtJava.domainLookupByName(GUEST);
                found.free();
                return found;
        }
    }

    /** {@code n} calls on the C side (one downcall into the C loop); the sum it reports. */
    long cBatch(int n) {
        long r = cLoop.call(n);
        if (r < 0) {
            throw new IllegalStateException("C loop for " + call + " failed: " + r);
        }
        return r;
    }

    /**
     * {@code n} calls through vmm4j; what each returned, summed: vCPUs of the guest (getInfo), records
     * (allDomainStats), guests found (lookupByName).
     */
    long vmm4jBatch(int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            Object r = vmm4j();
            sum += switch (measured) {
                case GET_INFO -> ((org.vmm4j.guest.GuestInfo) r).vcpus();
                case ALL_DOMAIN_STATS -> ((java.util.List<?>) r).size();
                case LOOKUP_BY_NAME -> 1;
            };
        }
        return sum;
    }

    /** {@code n} calls through libvirt-java, summed as {@link #vmm4jBatch}. */
    long libvirtJavaBatch(int n) {
        long sum = 0;
        try {
            for (int i = 0; i < n; i++) {
                Object r = libvirtJava();
                sum += switch (measured) {
                    case GET_INFO -> ((org.libvirt.DomainInfo) r).nrVirtCpu;
                    case ALL_DOMAIN_STATS -> ((Object[]) r).length;
                    case LOOKUP_BY_NAME -> 1;
                };
            }
        } catch (LibvirtException e) {
            throw new IllegalStateException("libvirt-java: " + e.getMessage(), e);
        }
        return sum;
    }

    /** libvirt-java's nearest equivalent of one bulk stats query: a lookup and GetInfo per guest. */
    private Object[] infoOfEveryGuest() throws LibvirtException {
        int[] ids = libvirtJava.listDomains();
        String[] defined = libvirtJava.listDefinedDomains();
        Object[] infos = new Object[ids.length + defined.length];
        for (int i = 0; i < ids.length; i++) {
            Domain d = libvirtJava.domainLookupByID(ids[i]);
            infos[i] = d.getInfo();
            d.free();
        }
        for (int i = 0; i < defined.length; i++) {
            Domain d = libvirtJava.domainLookupByName(defined[i]);
            infos[ids.length + i] = d.getInfo();
            d.free();
        }
        return infos;
    }
}
