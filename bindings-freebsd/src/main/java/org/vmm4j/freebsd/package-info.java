/**
 * bhyve's vmm(4) on FreeBSD 14 and later as vmm4j's tier 1: the JVM is the VMM. {@link
 * org.vmm4j.freebsd.BhyveProvider} is what {@code Hypervisor.open()} and {@code GuestManager.connect()}
 * find through {@link java.util.ServiceLoader}; {@link org.vmm4j.freebsd.BhyveHypervisor} creates
 * {@link org.vmm4j.freebsd.BhyveVm}s (named {@code vmm4j-<pid>-<n>} in {@code /dev/vmm}), whose
 * {@link org.vmm4j.freebsd.BhyveVcpu}s run on the caller's threads and report each exit through one
 * reusable {@link org.vmm4j.freebsd.BhyveExit}, a view over the kernel's {@code struct vm_exit}. Port
 * I/O is completed the way bhyve(8) does it (IN values to EAX, string I/O and MMIO moves in guest
 * memory); {@link org.vmm4j.freebsd.BhyveStats} polls {@code VM_STATS} without allocating. Nothing here
 * touches the native seam directly: every ioctl goes through the module's non-exported kernel side,
 * libvmmapi on FreeBSD and scripted doubles in the tests.
 */
package org.vmm4j.freebsd;
