package org.vmm4j.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.vmm4j.host.SafeNames;

/**
 * Everything needed to define a managed guest, independent of the manager (libvirt, bhyve, vmd).
 * Immutable; build with {@link #builder(String)}.
 *
 * <p>{@code guestAgent} asks for the channel a guest agent inside the guest answers on (libvirt: a
 * virtio-serial port named {@code org.qemu.guest_agent.0}, which qemu-guest-agent opens); through it the
 * manager learns the guest's addresses ({@link GuestAddress.Source#GUEST_AGENT}). Off unless set.
 */
public record GuestSpec(
        String name,
        long memoryBytes,
        int vcpus,
        int sockets,
        int cores,
        int threads,
        CpuMode cpuMode,
        List<DiskSpec> disks,
        List<NicSpec> nics,
        boolean serialConsole,
        boolean vnc,
        BootSpec boot,
        boolean autostart,
        Accelerator accelerator,
        boolean guestAgent) {

    /** Longest guest name accepted by every backend (bhyve's VM_MAX_NAMELEN is the tightest). */
    public static final int MAX_NAME_LENGTH = 31;

    /**
     * Most vCPUs a spec may ask for: 4096, KVM's largest KVM_MAX_VCPUS on x86 (kernels built with
     * CONFIG_MAXSMP), so the most any backend accepts. Each backend may refuse fewer (bhyve's
     * hw.vmm.maxcpu, vmd's one vCPU per VM) when the guest is defined.
     */
    public static final int MAX_VCPUS = 4096;

    public enum CpuMode {
        DEFAULT,
        HOST_MODEL,
        HOST_PASSTHROUGH
    }

    public GuestSpec {
        SafeNames.require("guest name", name, MAX_NAME_LENGTH);
        if (memoryBytes < 1 << 20) {
            throw new IllegalArgumentException("guest memory must be at least 1 MiB, got " + memoryBytes + " bytes");
        }
        if (memoryBytes % 1024 != 0) {
            throw new IllegalArgumentException("guest memory must be a whole number of KiB (libvirt counts it in"
                    + " KiB), got " + memoryBytes + " bytes");
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("a guest has 1 to " + MAX_VCPUS + " vCPUs, got " + vcpus);
        }
        if (sockets < 1 || cores < 1 || threads < 1 || (long) sockets * cores * threads != vcpus) {
            throw new IllegalArgumentException("topology " + sockets + " sockets x " + cores + " cores x " + threads
                    + " threads does not give " + vcpus + " vCPUs");
        }
        Objects.requireNonNull(cpuMode, "cpuMode");
        Objects.requireNonNull(boot, "boot");
        Objects.requireNonNull(accelerator, "accelerator");
        if (accelerator == Accelerator.TCG && cpuMode == CpuMode.HOST_PASSTHROUGH) {
            throw new IllegalArgumentException("guest " + name + " asks for TCG with the host-passthrough CPU mode:"
                    + " passing the host CPU through needs hardware virtualization (KVM); use DEFAULT or HOST_MODEL"
                    + " with TCG");
        }
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public Builder toBuilder() {
        Builder b = new Builder(name)
                .memoryBytes(memoryBytes)
                .cpuMode(cpuMode)
                .serialConsole(serialConsole)
                .vnc(vnc)
                .boot(boot)
                .autostart(autostart)
                .accelerator(accelerator)
                .guestAgent(guestAgent);
        b.vcpus = vcpus;
        b.sockets = sockets;
        b.cores = cores;
        b.threads = threads;
        b.disks.addAll(disks);
        b.nics.addAll(nics);
        return b;
    }

    public static final class Builder {
        private String name;
        private long memoryBytes = 512L << 20;
        private int vcpus = 1, sockets = 1, cores = 1, threads = 1;
        private CpuMode cpuMode = CpuMode.DEFAULT;
        private final List<DiskSpec> disks = new ArrayList<>();
        private final List<NicSpec> nics = new ArrayList<>();
        private boolean serialConsole = true;
        private boolean vnc;
        private BootSpec boot = BootSpec.bios(BootSpec.Device.DISK);
        private boolean autostart;
        private Accelerator accelerator = Accelerator.AUTO;
        private boolean guestAgent;

        private Builder(String name) {
            this.name = name;
        }

        public Builder name(String n) {
            name = n;
            return this;
        }

        public Builder memoryBytes(long bytes) {
            memoryBytes = bytes;
            return this;
        }

        /**
         * Guest memory in MiB.
         *
         * @throws IllegalArgumentException if {@code mib} MiB is negative or does not fit in a long
         */
        public Builder memoryMiB(long mib) {
            if (mib < 0 || mib > Long.MAX_VALUE >> 20) {
                throw new IllegalArgumentException(
                        "guest memory of " + mib + " MiB is out of range: 0 to " + (Long.MAX_VALUE >> 20) + " MiB");
            }
            memoryBytes = mib << 20;
            return this;
        }

        /** {@code n} vCPUs as {@code n} sockets of one core of one thread. */
        public Builder vcpus(int n) {
            vcpus = n;
            sockets = n;
            cores = 1;
            threads = 1;
            return this;
        }

        /**
         * {@code s} sockets of {@code c} cores of {@code t} threads.
         *
         * @throws IllegalArgumentException if the topology has more than {@link #MAX_VCPUS} vCPUs
         */
        public Builder topology(int s, int c, int t) {
            sockets = s;
            cores = c;
            threads = t;
            long product = (long) s * c;
            if (Math.abs(product) <= MAX_VCPUS) {
                product *= t;
            }
            if (Math.abs(product) > MAX_VCPUS) {
                throw new IllegalArgumentException("topology " + s + " sockets x " + c + " cores x " + t
                        + " threads exceeds the " + MAX_VCPUS + " vCPUs a guest may have");
            }
            vcpus = (int) product;
            return this;
        }

        public Builder cpuMode(CpuMode m) {
            cpuMode = m;
            return this;
        }

        public Builder disk(DiskSpec d) {
            disks.add(d);
            return this;
        }

        public Builder nic(NicSpec n) {
            nics.add(n);
            return this;
        }

        public Builder serialConsole(boolean b) {
            serialConsole = b;
            return this;
        }

        public Builder vnc(boolean b) {
            vnc = b;
            return this;
        }

        public Builder boot(BootSpec b) {
            boot = b;
            return this;
        }

        public Builder autostart(boolean b) {
            autostart = b;
            return this;
        }

        /** What runs the guest's instructions; {@link Accelerator#AUTO} unless set. */
        public Builder accelerator(Accelerator a) {
            accelerator = a;
            return this;
        }

        /** Whether the guest gets the guest agent's channel (qemu-guest-agent's virtio-serial port). */
        public Builder guestAgent(boolean b) {
            guestAgent = b;
            return this;
        }

        public GuestSpec build() {
            return new GuestSpec(
                    name,
                    memoryBytes,
                    vcpus,
                    sockets,
                    cores,
                    threads,
                    cpuMode,
                    disks,
                    nics,
                    serialConsole,
                    vnc,
                    boot,
                    autostart,
                    accelerator,
                    guestAgent);
        }
    }
}
