/**
 * libvirt's C API ({@code libvirt.so.0}, found at run time) through vmm4j's native seam: managed
 * guests on Linux (tier 2), reached through {@link org.vmm4j.guest.GuestManager#connect()}, or through
 * {@link org.vmm4j.linux.guest.LibvirtGuestManager#connect(String)} for libvirt's own extras.
 *
 * <p>Layers, bottom up:
 * <ul>
 *   <li>{@link org.vmm4j.linux.abi.LibvirtLayout}: struct offsets and enum values of
 *       {@code <libvirt/libvirt.h>}, each checked against the C compiler by {@code LibvirtLayoutTest};
 *       {@code Libvirt} (in the module's internal package): every bound function, one field each,
 *       allocation-free calls.</li>
 *   <li>{@code LibvirtErrors} (internal): vmm4j's own error handler ({@code virSetErrorFunc}), so
 *       libvirt prints nothing; every failure becomes a {@link org.vmm4j.linux.guest.LibvirtException}
 *       with libvirt's code, domain and message, attributed to the thread whose call failed.</li>
 *   <li>{@code LibvirtHandle} (internal): one libvirt reference per Java object, freed exactly once on
 *       {@code close()} after the last call in flight, never used after free.</li>
 *   <li>{@link org.vmm4j.linux.guest.LibvirtGuestManager} (a connection),
 *       {@link org.vmm4j.linux.guest.LibvirtGuest}, {@link org.vmm4j.linux.guest.LibvirtNetwork},
 *       {@link org.vmm4j.linux.guest.LibvirtStoragePool},
 *       {@link org.vmm4j.linux.guest.LibvirtStorageVolume}: the public API.</li>
 *   <li>{@link org.vmm4j.linux.guest.DomainXml}, {@link org.vmm4j.linux.guest.NetworkXml}:
 *       specs to libvirt XML and back through the DOM.</li>
 *   <li>{@code LibvirtEventLoop} (internal): libvirt's default event loop on one daemon thread per
 *       process, started by the first event listener and stopped when the last listening connection
 *       closes, or the last open console.</li>
 *   <li>{@code LibvirtConsole} (internal): a domain's console as a non-blocking stream
 *       ({@code virDomainOpenConsole}) whose readable and writable events arrive on that loop; what
 *       {@link org.vmm4j.linux.guest.LibvirtGuest#openConsole(boolean)} returns.</li>
 * </ul>
 */
package org.vmm4j.linux.guest;
