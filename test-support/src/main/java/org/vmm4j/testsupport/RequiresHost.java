package org.vmm4j.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a test class or method needs from the host. Where something is missing the test is skipped
 * with a message naming it and its apt package, or fails where the kind's {@code VMM4J_REQUIRE_*}
 * variable is {@code 1} (see {@link HostRequirements}). On a class it covers every test in it; a
 * method's own annotation adds to it.
 *
 * <pre>{@code
 * @RequiresHost(tools = {"qemu-img", "qemu-io"})
 * @RequiresHost(tools = "gcc", files = {RequiresHost.LIBC_HEADERS, RequiresHost.KVM_HEADER}, kvm = true)
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(RequiresHostExtension.class)
public @interface RequiresHost {
    /** Debian's kernel, which the boot tests load and libvirt boots directly. */
    String DEBIAN_KERNEL = "/boot/vmlinuz-*";
    /** A statically linked busybox, which the busybox initramfs packs (the dynamic one cannot run there). */
    String BUSYBOX_STATIC = "/bin/busybox";
    /** The C library's headers, for the layout tests' small C programs. */
    String LIBC_HEADERS = "/usr/include/stdio.h";
    /** {@code <linux/kvm.h>}. */
    String KVM_HEADER = "/usr/include/linux/kvm.h";
    /** {@code <asm/bootparam.h>} on x86-64 Debian. */
    String BOOTPARAM_HEADER = "/usr/include/x86_64-linux-gnu/asm/bootparam.h";
    /** {@code <libvirt/libvirt.h>}. */
    String LIBVIRT_HEADER = "/usr/include/libvirt/libvirt.h";
    /** libvirt's client library, which the binding loads (its test driver, test:///default, needs no daemon). */
    String LIBVIRT_LIBRARY = "/usr/lib/x86_64-linux-gnu/libvirt.so.0";
    /** The JDK 17 that the JNA side of the native seam is tested on. */
    String JDK_17 = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
    /** KVM's per-VM statistics directory in debugfs. */
    String KVM_DEBUGFS = "/sys/kernel/debug/kvm";

    /** Programs, by name, looked up on PATH and in the sbin directories. */
    String[] tools() default {};

    /** Files (one of the constants above): readable, a {@code *} in the last component matching any name. */
    String[] files() default {};

    /** A /dev/kvm this process may open read-write. */
    boolean kvm() default false;

    /** A libvirtd accepting connections at qemu:///system. */
    boolean libvirtd() default false;
}
