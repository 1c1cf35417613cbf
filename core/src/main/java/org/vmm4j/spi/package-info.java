/**
 * What a platform backend implements to be found by {@link org.vmm4j.Hypervisor#open()},
 * {@link org.vmm4j.Hypervisor#probe()} and {@link org.vmm4j.guest.GuestManager#connect()}: one
 * {@link org.vmm4j.spi.HypervisorProvider}, registered with {@link java.util.ServiceLoader} (JPMS
 * {@code provides}). {@link org.vmm4j.spi.AbstractStats} is the skeleton of a backend's
 * {@link org.vmm4j.Stats} handle. Applications do not use this package.
 */
package org.vmm4j.spi;
