package org.vmm4j.provision;

import java.time.Duration;
import org.vmm4j.guest.Guest;

/**
 * Waits until a started guest has an address the provisioner can reach. The default,
 * {@link GuestAddressPoller}, asks the guest manager (DHCP leases, guest agent, ARP); tests and
 * callers with their own IP management put another here.
 */
@FunctionalInterface
public interface AddressWaiter {
    /**
     * Waits until the guest has an address.
     *
     * @return the guest's address, e.g. {@code 192.168.122.17}
     * @throws RuntimeException when none appears within {@code timeout}; the message says what was tried
     */
    String awaitAddress(Guest guest, Duration timeout, StepReporter reporter);
}
