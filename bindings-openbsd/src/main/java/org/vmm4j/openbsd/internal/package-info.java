/**
 * Seam-facing code of the OpenBSD backend, not exported: {@code /dev/vmm} through the native seam
 * ({@code DevVmm}) behind the ioctl interface the tier-1 types are written against ({@code VmmDevice};
 * tests put a scripted kernel there), and {@code OpenBsdSysctl}, the one sysctl(3) reader of the
 * module. Public only so the module's other packages can use them.
 */
package org.vmm4j.openbsd.internal;
