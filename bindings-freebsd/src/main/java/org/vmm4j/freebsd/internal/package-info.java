/**
 * Not exported: the module's side of the native seam. {@link org.vmm4j.freebsd.internal.VmmKernel}
 * and {@link org.vmm4j.freebsd.internal.VmmDevice} are vmm(4) as the rest of the module sees it (an
 * ioctl taking a {@code NativeMemory} argument, memory mappings), {@link
 * org.vmm4j.freebsd.internal.LibvmmapiKernel} implements them with libvmmapi and libc on FreeBSD, and
 * {@link org.vmm4j.freebsd.internal.BhyveHost} is the host the provider works on, which tests replace.
 */
package org.vmm4j.freebsd.internal;
