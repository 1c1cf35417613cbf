package org.vmm4j.provision;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.vmm4j.VmmException;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestState;
import org.vmm4j.text.Message;

/**
 * Polls {@link Guest#addresses} until an IPv4 address shows up: DHCP leases first (libvirt's own
 * networks), then the guest agent, then the host's ARP table (bridged guests). A source that fails
 * (not supported by the driver, no agent) is remembered and its error reported on timeout. A guest
 * that stops or crashes meanwhile ends the wait at once.
 */
public final class GuestAddressPoller implements AddressWaiter {
    private final List<GuestAddress.Source> sources;
    private final Duration firstDelay;
    private final Duration maxDelay;

    public GuestAddressPoller() {
        this(
                List.of(GuestAddress.Source.DHCP_LEASE, GuestAddress.Source.GUEST_AGENT, GuestAddress.Source.ARP),
                Duration.ofMillis(500),
                Duration.ofSeconds(5));
    }

    public GuestAddressPoller(List<GuestAddress.Source> sources, Duration firstDelay, Duration maxDelay) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("at least one address source is needed");
        }
        this.sources = List.copyOf(sources);
        this.firstDelay = Objects.requireNonNull(firstDelay, "firstDelay");
        this.maxDelay = Objects.requireNonNull(maxDelay, "maxDelay");
    }

    @Override
    public String awaitAddress(Guest guest, Duration timeout, StepReporter reporter) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long delay = firstDelay.toMillis();
        Map<GuestAddress.Source, Message> errors = new LinkedHashMap<>();
        while (true) {
            for (GuestAddress.Source source : sources) {
                try {
                    Optional<String> found = usable(guest.addresses(source));
                    if (found.isPresent()) {
                        return found.get();
                    }
                    errors.remove(source);
                } catch (RuntimeException e) {
                    errors.put(source, GuestProvisioner.reasonOf(e));
                }
            }
            GuestState state = guest.state();
            if (state == GuestState.STOPPED || state == GuestState.CRASHED) {
                throw new VmmException(ProvisionMessages.CATALOG.message(
                        state == GuestState.CRASHED ? "error.address-crashed" : "error.address-stopped", guest.name()));
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                throw new VmmException(
                        errors.isEmpty()
                                ? ProvisionMessages.CATALOG.message(
                                        "error.no-address",
                                        guest.name(),
                                        String.valueOf(timeout),
                                        String.valueOf(sources))
                                : ProvisionMessages.CATALOG.message(
                                        "error.no-address-errors",
                                        guest.name(),
                                        String.valueOf(timeout),
                                        String.valueOf(sources),
                                        answers(errors)));
            }
            reporter.report(
                    (double) (now - start) / (deadline - start),
                    ProvisionMessages.CATALOG.message("progress.no-address-yet", String.valueOf(sources)));
            try {
                Thread.sleep(Math.min(delay, Math.max(1, (deadline - now) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmmException(ProvisionMessages.CATALOG.message("error.address-interrupted", guest.name()), e);
            }
            delay = Math.min(delay * 2, maxDelay.toMillis());
        }
    }

    /** What each source answered, as "DHCP_LEASE: …, GUEST_AGENT: …" in the reader's locale. */
    private static Message answers(Map<GuestAddress.Source, Message> errors) {
        return ProvisionMessages.list(errors.entrySet().stream()
                .map(e -> ProvisionMessages.CATALOG.message(
                        "error.address-source", e.getKey().name(), e.getValue()))
                .toList());
    }

    /** The first IPv4 address that is neither loopback nor link-local. */
    static Optional<String> usable(List<GuestAddress> addresses) {
        for (GuestAddress a : addresses) {
            String ip = a.address();
            if (ip != null && ip.indexOf(':') < 0 && !ip.startsWith("127.") && !ip.startsWith("169.254.")) {
                return Optional.of(ip);
            }
        }
        return Optional.empty();
    }
}
