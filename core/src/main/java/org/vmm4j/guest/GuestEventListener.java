package org.vmm4j.guest;

/** Receives {@link GuestEvent}s on the manager's event thread; must return quickly and not throw. */
@FunctionalInterface
public interface GuestEventListener {
    void onEvent(GuestEvent event);
}
