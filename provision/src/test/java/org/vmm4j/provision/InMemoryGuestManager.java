package org.vmm4j.provision;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestAddress;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestInfo;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.UndefineOption;

/** A guest manager that only remembers definitions and states, for the workflow's pure-logic tests. */
final class InMemoryGuestManager implements GuestManager {
    final Map<String, InMemoryGuest> guests = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    RuntimeException failStart;

    @Override
    public String kind() {
        return "in-memory";
    }

    @Override
    public String uri() {
        return "memory:///";
    }

    @Override
    public List<Guest> list(GuestFilter filter) {
        return new ArrayList<>(guests.values());
    }

    @Override
    public Optional<Guest> find(String name) {
        return Optional.ofNullable(guests.get(name));
    }

    @Override
    public Optional<Guest> find(UUID uuid) {
        return guests.values().stream()
                .filter(g -> g.uuid.equals(uuid))
                .map(g -> (Guest) g)
                .findFirst();
    }

    @Override
    public Guest define(GuestSpec spec) {
        if (guests.containsKey(spec.name())) {
            throw new IllegalStateException("exists");
        }
        calls.add("define " + spec.name());
        InMemoryGuest g = new InMemoryGuest(spec);
        guests.put(spec.name(), g);
        return g;
    }

    @Override
    public void close() {}

    final class InMemoryGuest implements Guest {
        final GuestSpec spec;
        final UUID uuid = UUID.randomUUID();
        GuestState state = GuestState.STOPPED;

        InMemoryGuest(GuestSpec spec) {
            this.spec = spec;
        }

        boolean closed;

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public String name() {
            return spec.name();
        }

        @Override
        public UUID uuid() {
            return uuid;
        }

        @Override
        public GuestState state() {
            return state;
        }

        @Override
        public GuestInfo info() {
            return new GuestInfo(state, 0, spec.memoryBytes(), spec.memoryBytes(), spec.vcpus(), Duration.ZERO);
        }

        @Override
        public GuestSpec spec() {
            return spec;
        }

        @Override
        public void start() {
            calls.add("start " + name());
            if (failStart != null) {
                throw failStart;
            }
            state = GuestState.RUNNING;
        }

        @Override
        public boolean shutdown(Duration timeout) {
            state = GuestState.STOPPED;
            return true;
        }

        @Override
        public void destroy() {
            calls.add("destroy " + name());
            state = GuestState.STOPPED;
        }

        @Override
        public void reboot() {}

        @Override
        public void suspend() {
            state = GuestState.PAUSED;
        }

        @Override
        public void resume() {
            state = GuestState.RUNNING;
        }

        @Override
        public void undefine(UndefineOption... options) {
            calls.add("undefine " + name());
            guests.remove(name());
        }

        @Override
        public Guest rename(String newName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setMemory(long bytes) {}

        @Override
        public void setVcpus(int count) {}

        @Override
        public boolean autostart() {
            return false;
        }

        @Override
        public void setAutostart(boolean enabled) {}

        @Override
        public List<GuestAddress> addresses(GuestAddress.Source source) {
            if (source == GuestAddress.Source.GUEST_AGENT) {
                throw new UnsupportedOperationException("no agent in memory");
            }
            return List.of();
        }

        @Override
        public Optional<String> consolePath() {
            return Optional.empty();
        }
    }
}
