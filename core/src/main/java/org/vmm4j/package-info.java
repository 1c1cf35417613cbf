/**
 * The unified API for in-process VMs (tier 1): {@link org.vmm4j.Hypervisor#open()} finds the backend for
 * this operating system (KVM, bhyve's vmm(4), OpenBSD's vmm(4)) and creates
 * {@link org.vmm4j.VirtualMachine}s; a VM maps {@link org.vmm4j.GuestMemory} and runs
 * {@link org.vmm4j.VirtualCpu}s, whose {@link org.vmm4j.VirtualCpu#run()} returns a {@link org.vmm4j.VmExit}
 * view that allocates nothing. Registers, CPUID, statistics and host capabilities are neutral value types;
 * nothing here exposes FFM, JNA or a backend's integers. Errors are unchecked
 * {@link org.vmm4j.VmmException}s carrying the operation and errno; bad arguments are
 * {@link java.lang.IllegalArgumentException}s naming what is wrong; calls on a closed handle throw
 * {@link java.lang.IllegalStateException}.
 */
package org.vmm4j;
