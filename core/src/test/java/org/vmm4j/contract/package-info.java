/**
 * Contract tests for vmm4j's public interfaces: abstract JUnit 5 classes that every backend extends
 * with a few factory and capability hooks, so that KVM, bhyve, OpenBSD vmm, libvirt, bhyve(8) and vmd
 * (and their scripted stand-ins) are held to the same behaviour a user relies on: what happens after
 * close, on a second close, on an overlapping memory region or a taken vCPU id, and which exception
 * each mistake raises. A capability a backend lacks is not skipped: its hook says so and the contract
 * asserts the documented {@link java.lang.UnsupportedOperationException}. Shipped as vmm4j-core's
 * test-jar.
 */
package org.vmm4j.contract;
