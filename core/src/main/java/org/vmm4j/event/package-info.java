/**
 * Event notification between threads and with the kernel: {@link org.vmm4j.event.EventFd}, a Linux
 * eventfd counter, and {@link org.vmm4j.event.EventPoller}, one thread waiting on many of them. A
 * backend that can connect a VM to eventfds (KVM's ioeventfd and irqfd, on {@code KvmVm}) lets a
 * device learn of a guest's queue notification, and interrupt the guest, without passing through
 * the vCPU's exit path.
 */
package org.vmm4j.event;
