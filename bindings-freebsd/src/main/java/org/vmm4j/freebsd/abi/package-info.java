/**
 * The vmm(4) kernel interface of FreeBSD 14 on amd64, written by hand in jextract's shape:
 * {@link org.vmm4j.freebsd.abi.Vmm} holds the enums and limits of {@code <machine/vmm.h>} and
 * libvmmapi's segment ids, {@link org.vmm4j.freebsd.abi.VmmDev} the argument structs of
 * {@code <machine/vmm_dev.h>} (named offsets and sizes, {@code struct vm_exit} and its union members)
 * and every ioctl request, encoded with BSD's {@code _IOC}. Each constant is compared by
 * {@code VmmDevLayoutTest} with what gcc computes for the same declarations, taken from the field
 * lists of the FreeBSD sources; the test doubles of this module derive their own layouts from the same
 * lists instead of reading these, so a wrong offset cannot agree with itself.
 */
package org.vmm4j.freebsd.abi;
