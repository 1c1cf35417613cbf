package org.vmm4j.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.contract.ClosedAssertions.assertClosed;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.GuestMemory;
import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualCpu;
import org.vmm4j.VirtualMachine;

/**
 * What every {@link Hypervisor} does: create empty VMs, refuse work once closed, and leave its VMs
 * usable after it closes. A backend's test extends this class and implements the hooks.
 */
public abstract class HypervisorContract {
    private Hypervisor hypervisor;

    /**
     * Opens a fresh hypervisor of the backend under test (for example {@code Hypervisor.open("kvm")}).
     * Called once per test; the contract closes it. A backend that cannot run here aborts with an
     * {@link org.junit.jupiter.api.Assumptions assumption} saying why.
     */
    protected abstract Hypervisor openHypervisor();

    /** The kind the backend reports, e.g. {@code "kvm"}: its provider's kind. */
    protected abstract String expectedKind();

    @BeforeEach
    final void openTheHypervisor() {
        hypervisor = openHypervisor();
    }

    @AfterEach
    final void closeTheHypervisor() {
        hypervisor.close();
    }

    @Test
    void reportsItsKindOnTheHypervisorAndItsVms() {
        assertEquals(expectedKind(), hypervisor.kind());
        try (VirtualMachine vm = hypervisor.createVm()) {
            assertEquals(expectedKind(), vm.kind());
        }
    }

    @Test
    void createsAnOpenVmWithoutMemoryOrVcpus() {
        try (VirtualMachine vm = hypervisor.createVm()) {
            assertFalse(vm.isClosed());
            assertTrue(vm.memoryRegions().isEmpty(), "a new VM has no memory: " + vm.memoryRegions());
            assertTrue(vm.vcpus().isEmpty(), "a new VM has no vCPUs: " + vm.vcpus());
            assertTrue(vm.maxVcpus() >= 1, "maxVcpus must be at least 1, is " + vm.maxVcpus());
        }
    }

    @Test
    void closedHypervisorRefusesToCreateVms() {
        hypervisor.close();
        assertClosed("createVm()", hypervisor::createVm, "hypervisor", expectedKind());
    }

    @Test
    void closingTwiceIsANoOp() {
        hypervisor.close();
        hypervisor.close();
        assertClosed("createVm()", hypervisor::createVm, "hypervisor", expectedKind());
    }

    @Test
    void kindStillAnswersAfterClose() {
        hypervisor.close();
        assertEquals(expectedKind(), hypervisor.kind());
    }

    @Test
    void vmsStayUsableAfterTheHypervisorCloses() {
        try (VirtualMachine vm = hypervisor.createVm()) {
            hypervisor.close();
            assertFalse(vm.isClosed());
            GuestMemory ram = vm.allocateMemory(0, 0x1000);
            ram.putInt(0x10, 0xcafe_f00d);
            assertEquals(0xcafe_f00d, ram.getInt(0x10));
            VirtualCpu cpu = vm.createVcpu(0);
            assertEquals(0, cpu.id());
            assertEquals(1, vm.vcpus().size());
        }
    }

    @Test
    void closingOneVmLeavesTheOthersOpen() {
        VirtualMachine first = hypervisor.createVm();
        try (VirtualMachine second = hypervisor.createVm()) {
            first.close();
            assertTrue(first.isClosed());
            assertFalse(second.isClosed());
            GuestMemory ram = second.allocateMemory(0x10000, 0x1000);
            ram.putByte(0, (byte) 7);
            assertEquals(7, ram.getByte(0));
        }
    }
}
