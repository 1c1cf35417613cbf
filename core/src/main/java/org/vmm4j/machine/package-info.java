/**
 * The devices of a machine and the dispatch of vCPU exits to them: a port-I/O bus indexed by port
 * and an MMIO bus searched by range, both allocation-free, and the legacy PC devices a Linux guest
 * uses (16550A UART, i8042, CMOS RTC, PCI configuration space) plus a boot timer and a debug-exit
 * port. {@link org.vmm4j.machine.PcDevices} wires the standard set; a vCPU loop calls
 * {@link org.vmm4j.machine.ExitDispatcher#dispatch} for each exit and handles what it returns
 * {@code false} for (HLT, shutdown, system events).
 */
package org.vmm4j.machine;
