package org.vmm4j.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.contract.ClosedAssertions.assertClosed;
import static org.vmm4j.contract.ClosedAssertions.assertRejected;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.DirtyLog;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.MemoryOption;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;

/**
 * What every {@link VirtualMachine} and its {@link GuestMemory} do: map page-aligned, non-overlapping
 * regions and list them in address order, bounds-check every access, create vCPUs by unique id, and
 * refuse work once closed. A backend's test extends this class and implements the hooks.
 */
public abstract class VirtualMachineContract {
    private static final String[] VM_NAMES = {"vm", "virtual machine"};

    private Hypervisor hypervisor;
    private VirtualMachine vm;

    /**
     * Opens a fresh hypervisor of the backend under test; called once per test and closed by the
     * contract. A backend that cannot run here aborts with an assumption saying why.
     */
    protected abstract Hypervisor openHypervisor();

    /** The guest page size; addresses and sizes of memory regions are multiples of it. */
    protected long pageSize() {
        return 0x1000;
    }

    /**
     * Whether the backend logs dirty pages. If it does not, {@code allocateMemory(...,
     * LOG_DIRTY_PAGES)} must throw {@link UnsupportedOperationException}.
     */
    protected boolean supportsDirtyLog() {
        return false;
    }

    /**
     * Whether the backend maps read-only regions. If it does not, {@code allocateMemory(...,
     * READ_ONLY)} must throw {@link UnsupportedOperationException}.
     */
    protected boolean supportsReadOnlyMemory() {
        return false;
    }

    /** Whether {@link VirtualMachine#stats()} works; if not, it must throw {@link UnsupportedOperationException}. */
    protected boolean supportsStats() {
        return false;
    }

    /** Whether {@link VirtualMachine#x86()} works; if not, it must throw {@link UnsupportedOperationException}. */
    protected boolean supportsX86Platform() {
        return false;
    }

    /**
     * Whether {@link VirtualMachine#createVcpu} may create a vCPU again with the id of a closed one. A
     * backend whose kernel keeps the id for the VM's lifetime (KVM) returns {@code false} and must
     * refuse it with an {@link IllegalArgumentException} that says so.
     */
    protected boolean reusesClosedVcpuIds() {
        return false;
    }

    @BeforeEach
    final void createTheVm() {
        hypervisor = openHypervisor();
        vm = hypervisor.createVm();
    }

    @AfterEach
    final void closeTheVm() {
        vm.close();
        hypervisor.close();
    }

    /** The VM under test (created before each test, closed after it). */
    protected final VirtualMachine vm() {
        return vm;
    }

    @Test
    void allocatedMemoryIsZeroedAndReportsItsPlace() {
        long page = pageSize();
        GuestMemory ram = vm.allocateMemory(4 * page, 2 * page);
        assertEquals(4 * page, ram.guestAddress());
        assertEquals(2 * page, ram.size());
        assertFalse(ram.readOnly());
        assertFalse(ram.logsDirtyPages());
        assertTrue(ram.contains(4 * page) && ram.contains(6 * page - 1));
        assertFalse(ram.contains(4 * page - 1) || ram.contains(6 * page));
        byte[] all = new byte[(int) ram.size()];
        ram.read(0, all, 0, all.length);
        assertArrayEquals(new byte[all.length], all, "fresh guest memory must be zeroed");
    }

    @Test
    void guestMemoryRoundTripsEveryAccessWidth() {
        long page = pageSize();
        GuestMemory ram = vm.allocateMemory(0, 2 * page);
        ram.putByte(1, (byte) 0x5a);
        ram.putShort(2, (short) 0xbeef);
        ram.putInt(4, 0x1234_5678);
        ram.putLong(page - 4, 0x0102_0304_0506_0708L);
        assertEquals((byte) 0x5a, ram.getByte(1));
        assertEquals((short) 0xbeef, ram.getShort(2));
        assertEquals(0x1234_5678, ram.getInt(4));
        assertEquals(0x0102_0304_0506_0708L, ram.getLong(page - 4));
        assertEquals(0x08, ram.getByte(page - 4), "guest memory is little-endian");

        byte[] src = {9, 8, 7, 6, 5};
        ram.write(2 * page - 5, src);
        byte[] dst = new byte[7];
        ram.read(2 * page - 5, dst, 2, 5);
        assertArrayEquals(new byte[] {0, 0, 9, 8, 7, 6, 5}, dst);

        ram.fill(100, 10, (byte) 0x33);
        assertEquals(0, ram.getByte(99));
        assertEquals(0x33, ram.getByte(100));
        assertEquals(0x33, ram.getByte(109));
        assertEquals(0, ram.getByte(110));
    }

    @Test
    void guestMemoryRejectsAccessOutsideTheRegion() {
        long page = pageSize();
        GuestMemory ram = vm.allocateMemory(page, page);
        long size = ram.size();
        assertThrows(IndexOutOfBoundsException.class, () -> ram.getByte(size));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.getByte(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.putByte(size, (byte) 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.getShort(size - 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.putInt(size - 3, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.getLong(size - 7));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.putLong(Long.MAX_VALUE, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.write(size - 2, new byte[3]));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.read(size - 2, new byte[3], 0, 3));
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> ram.read(0, new byte[3], 1, 3),
                "the destination array is bounds-checked too");
        assertThrows(IndexOutOfBoundsException.class, () -> ram.write(0, new byte[3], -1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.fill(size - 2, 3, (byte) 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.fill(0, -1, (byte) 1));
        assertEquals(0, ram.getByte(size - 1), "a rejected access writes nothing");
    }

    @Test
    void rejectsUnalignedAddress() {
        assertRejected(
                "allocateMemory at an unaligned address", "page", () -> vm.allocateMemory(pageSize() + 8, pageSize()));
        assertTrue(vm.memoryRegions().isEmpty());
    }

    @Test
    void rejectsUnalignedSize() {
        assertRejected("allocateMemory of an unaligned size", "page", () -> vm.allocateMemory(0, pageSize() + 1));
    }

    @Test
    void rejectsZeroAndNegativeSizes() {
        assertRejected("allocateMemory of size 0", "size", () -> vm.allocateMemory(0, 0));
        assertRejected("allocateMemory of a negative size", "size", () -> vm.allocateMemory(0, -pageSize()));
        assertTrue(vm.memoryRegions().isEmpty());
    }

    @Test
    void rejectsNegativeAddress() {
        assertThrows(IllegalArgumentException.class, () -> vm.allocateMemory(-pageSize(), pageSize()));
    }

    @Test
    void rejectsEveryKindOfOverlap() {
        long p = pageSize();
        GuestMemory mapped = vm.allocateMemory(4 * p, 4 * p);
        assertRejected("the same range again", "overlap", () -> vm.allocateMemory(4 * p, 4 * p));
        assertRejected("a range starting inside", "overlap", () -> vm.allocateMemory(7 * p, 2 * p));
        assertRejected("a range ending inside", "overlap", () -> vm.allocateMemory(3 * p, 2 * p));
        assertRejected("a range inside", "overlap", () -> vm.allocateMemory(5 * p, p));
        assertRejected("a range around it", "overlap", () -> vm.allocateMemory(2 * p, 8 * p));
        assertEquals(List.of(mapped), vm.memoryRegions(), "a rejected region is not mapped");
    }

    @Test
    void acceptsAdjacentRegions() {
        long p = pageSize();
        GuestMemory middle = vm.allocateMemory(4 * p, 2 * p);
        GuestMemory below = vm.allocateMemory(2 * p, 2 * p);
        GuestMemory above = vm.allocateMemory(6 * p, p);
        assertEquals(List.of(below, middle, above), vm.memoryRegions());
    }

    @Test
    void listsRegionsInAddressOrder() {
        long p = pageSize();
        GuestMemory high = vm.allocateMemory(0x100 * p, p);
        GuestMemory low = vm.allocateMemory(0, p);
        GuestMemory middle = vm.allocateMemory(0x10 * p, 4 * p);
        assertEquals(List.of(low, middle, high), vm.memoryRegions());
    }

    @Test
    void memoryAtFindsTheContainingRegionAndRejectsUnmappedAddresses() {
        long p = pageSize();
        GuestMemory low = vm.allocateMemory(0, 2 * p);
        GuestMemory high = vm.allocateMemory(8 * p, p);
        assertSame(low, vm.memoryAt(0));
        assertSame(low, vm.memoryAt(2 * p - 1));
        assertSame(high, vm.memoryAt(8 * p + 17));
        assertRejected("memoryAt an unmapped address", Long.toHexString(4 * p), () -> vm.memoryAt(4 * p));
        assertRejected("memoryAt just past a region", Long.toHexString(9 * p), () -> vm.memoryAt(9 * p));
    }

    @Test
    void removedRegionIsUnmappedAndItsAddressesReusable() {
        long p = pageSize();
        GuestMemory first = vm.allocateMemory(0, p);
        GuestMemory kept = vm.allocateMemory(p, p);
        vm.removeMemory(first);
        assertEquals(List.of(kept), vm.memoryRegions());
        assertThrows(IllegalArgumentException.class, () -> vm.memoryAt(0));
        GuestMemory again = vm.allocateMemory(0, p);
        assertEquals(0, again.getLong(0), "memory mapped again is fresh");
        assertEquals(List.of(again, kept), vm.memoryRegions());
    }

    @Test
    void removedRegionRefusesAccess() {
        GuestMemory ram = vm.allocateMemory(0, pageSize());
        vm.removeMemory(ram);
        assertThrows(IllegalStateException.class, () -> ram.getByte(0));
        assertThrows(IllegalStateException.class, () -> ram.putLong(0, 1));
        assertThrows(IllegalStateException.class, () -> ram.write(0, new byte[1]));
    }

    @Test
    void removingARegionTwiceIsRejected() {
        GuestMemory ram = vm.allocateMemory(0, pageSize());
        vm.removeMemory(ram);
        assertThrows(IllegalArgumentException.class, () -> vm.removeMemory(ram));
    }

    @Test
    void removingAnotherVmsRegionIsRejected() {
        try (VirtualMachine other = hypervisor.createVm()) {
            GuestMemory foreign = other.allocateMemory(0, pageSize());
            vm.allocateMemory(0, pageSize());
            assertThrows(IllegalArgumentException.class, () -> vm.removeMemory(foreign));
            assertEquals(List.of(foreign), other.memoryRegions(), "the other VM keeps its region");
            assertEquals(1, vm.memoryRegions().size());
        }
    }

    @Test
    void createsVcpusAndListsThemById() {
        VirtualCpu two = vm.createVcpu(2);
        VirtualCpu zero = vm.createVcpu(0);
        VirtualCpu one = vm.createVcpu(1);
        assertEquals(List.of(zero, one, two), vm.vcpus());
        assertEquals(2, two.id());
        assertSame(vm, two.vm());
        assertFalse(two.isClosed());
    }

    @Test
    void rejectsADuplicateVcpuId() {
        VirtualCpu first = vm.createVcpu(0);
        assertRejected("createVcpu with a taken id", "0", () -> vm.createVcpu(0));
        assertEquals(List.of(first), vm.vcpus());
        assertFalse(first.isClosed());
    }

    @Test
    void theIdOfAClosedVcpuIsReusedOrRefusedWithTheReason() {
        VirtualCpu first = vm.createVcpu(1);
        first.close();
        if (reusesClosedVcpuIds()) {
            VirtualCpu again = vm.createVcpu(1);
            assertNotSame(first, again);
            assertEquals(1, again.id());
            assertFalse(again.isClosed());
            assertEquals(List.of(again), vm.vcpus());
        } else {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(1));
            assertTrue(e.getMessage().contains("1") && e.getMessage().contains("closed"), e.getMessage());
            assertTrue(vm.vcpus().isEmpty());
            assertEquals(2, vm.createVcpu(2).id(), "other ids stay free");
        }
    }

    @Test
    void rejectsVcpuIdsOutOfRange() {
        assertRejected("createVcpu(-1)", "-1", () -> vm.createVcpu(-1));
        int max = vm.maxVcpus();
        assertRejected("createVcpu(maxVcpus)", Integer.toString(max), () -> vm.createVcpu(max));
        assertTrue(vm.vcpus().isEmpty());
    }

    @Test
    void dirtyLogWhereSupported() {
        long p = pageSize();
        if (!supportsDirtyLog()) {
            assertThrows(
                    UnsupportedOperationException.class, () -> vm.allocateMemory(0, p, MemoryOption.LOG_DIRTY_PAGES));
            assertTrue(vm.memoryRegions().isEmpty());
            return;
        }
        GuestMemory logged = vm.allocateMemory(0, 4 * p, MemoryOption.LOG_DIRTY_PAGES);
        GuestMemory plain = vm.allocateMemory(4 * p, p);
        assertTrue(logged.logsDirtyPages());
        DirtyLog log = vm.dirtyLog(logged);
        assertNotNull(log);
        assertSame(logged, log.region());
        assertEquals(4, log.pageCount());
        assertThrows(IllegalArgumentException.class, () -> vm.dirtyLog(plain));
        try (VirtualMachine other = hypervisor.createVm()) {
            GuestMemory foreign = other.allocateMemory(0, p, MemoryOption.LOG_DIRTY_PAGES);
            assertThrows(IllegalArgumentException.class, () -> vm.dirtyLog(foreign));
        }
    }

    @Test
    void readOnlyMemoryWhereSupported() {
        if (!supportsReadOnlyMemory()) {
            assertThrows(
                    UnsupportedOperationException.class,
                    () -> vm.allocateMemory(0, pageSize(), MemoryOption.READ_ONLY));
            assertTrue(vm.memoryRegions().isEmpty());
            return;
        }
        GuestMemory rom = vm.allocateMemory(0, pageSize(), MemoryOption.READ_ONLY);
        assertTrue(rom.readOnly());
        rom.putInt(0, 0x9090_9090);
        assertEquals(0x9090_9090, rom.getInt(0), "read-only binds the guest, not the host");
    }

    @Test
    void statsWhereSupported() {
        if (!supportsStats()) {
            assertThrows(UnsupportedOperationException.class, vm::stats);
            return;
        }
        assertSame(vm.stats(), vm.stats(), "stats() is one reusable handle");
    }

    @Test
    void x86PlatformWhereSupported() {
        if (!supportsX86Platform()) {
            assertThrows(UnsupportedOperationException.class, vm::x86);
            return;
        }
        assertNotNull(vm.x86());
    }

    @Test
    void closingTheVmClosesItsVcpusAndMemory() {
        GuestMemory ram = vm.allocateMemory(0, pageSize());
        VirtualCpu cpu = vm.createVcpu(0);
        vm.close();
        assertTrue(vm.isClosed());
        assertTrue(cpu.isClosed(), "closing a VM closes its vCPUs");
        assertThrows(IllegalStateException.class, cpu::registers);
        assertThrows(IllegalStateException.class, () -> ram.getByte(0));
        assertThrows(IllegalStateException.class, () -> ram.putByte(0, (byte) 1));
        assertThrows(IllegalStateException.class, () -> ram.read(0, new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> ram.fill(0, 1, (byte) 1));
    }

    @Test
    void closingTwiceIsANoOp() {
        vm.createVcpu(0);
        vm.close();
        vm.close();
        assertTrue(vm.isClosed());
    }

    @Test
    void everyOperationOnAClosedVmThrowsIllegalState() {
        long p = pageSize();
        GuestMemory ram = vm.allocateMemory(0, p);
        String kind = vm.kind();
        vm.close();
        assertClosed("allocateMemory", () -> vm.allocateMemory(p, p), VM_NAMES);
        assertClosed("removeMemory", () -> vm.removeMemory(ram), VM_NAMES);
        assertClosed("memoryRegions", vm::memoryRegions, VM_NAMES);
        assertClosed("memoryAt", () -> vm.memoryAt(0), VM_NAMES);
        assertClosed("createVcpu", () -> vm.createVcpu(0), VM_NAMES);
        assertClosed("vcpus", vm::vcpus, VM_NAMES);
        assertClosed("maxVcpus", vm::maxVcpus, VM_NAMES);
        assertClosed("dirtyLog", () -> vm.dirtyLog(ram), VM_NAMES);
        if (supportsStats()) {
            assertClosed("stats", vm::stats, VM_NAMES);
        }
        if (supportsX86Platform()) {
            assertClosed("x86", vm::x86, VM_NAMES);
        }
        assertEquals(kind, vm.kind(), "kind() still answers after close");
        assertEquals(0, ram.guestAddress(), "a closed VM's region still says where it was");
        assertEquals(p, ram.size());
    }
}
