package org.vmm4j.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.Hypervisor;
import org.vmm4j.VirtualMachine;
import org.vmm4j.boot.BootException;
import org.vmm4j.boot.Layout;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.virtio.VirtioDevice;
import org.vmm4j.virtio.VirtioRng;
import org.vmm4j.virtio.VirtioTransport;
import org.vmm4j.virtio.Virtqueue;

/** What {@link Machine.Builder} refuses before it loads a kernel or opens a hypervisor. */
class MachineBuilderTest {

    @TempDir
    Path dir;

    /** A builder whose kernel file does not exist: a build that passes every check fails reading it. */
    private Machine.Builder builder() {
        return Machine.builder().kernel(dir.resolve("vmlinuz")).hostMemory(OptionalLong.of(8L << 30));
    }

    @Test
    void virtioDevicesAreAnnouncedSlotBySlotOnTheCommandLine() {
        assertEquals(
                "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6",
                Machine.withVirtio("console=ttyS0", 2));
        assertEquals("virtio_mmio.device=4K@0xd0000000:5", Machine.withVirtio("", 1));
        assertEquals("console=ttyS0", Machine.withVirtio("console=ttyS0", 0));
    }

    @Test
    void mergesItsClearcpuidIntoTheLastOneOnTheCommandLine() {
        String ours = "clearcpuid=151,154";
        assertEquals("console=ttyS0 clearcpuid=151,154", Machine.mergeClearcpuid("console=ttyS0", ours));
        assertEquals("clearcpuid=151,154", Machine.mergeClearcpuid("", ours));
        assertEquals("console=ttyS0", Machine.mergeClearcpuid("console=ttyS0", ""), "nothing to hide");
        assertEquals(
                "clearcpuid=1 quiet clearcpuid=xsave,154,151 panic=-1",
                Machine.mergeClearcpuid("clearcpuid=1 quiet clearcpuid=xsave,154 panic=-1", ours),
                "Linux reads the last one: ours join it, after the user's, each once");
        assertEquals("clearcpuid=151,154", Machine.mergeClearcpuid("clearcpuid=", ours), "an empty list of the user's");
        assertEquals(
                "noclearcpuid=3 clearcpuid=151,154",
                Machine.mergeClearcpuid("noclearcpuid=3", ours),
                "another parameter that ends in clearcpuid= is not one");
    }

    @Test
    void aNinthVirtioDeviceIsRefused() {
        Machine.Builder b = builder();
        for (int i = 0; i < Layout.VIRTIO_MMIO_SLOTS; i++) {
            b.virtioRng();
        }
        BootException e = assertThrows(BootException.class, b::virtioRng);
        assertTrue(e.getMessage().contains("at most " + Layout.VIRTIO_MMIO_SLOTS), e.getMessage());
    }

    @Test
    void aFailedBuildClosesTheVirtioDevicesItWasGiven() {
        ClosingRng given = new ClosingRng();
        Machine.Builder b = builder().virtio(given).vcpus(0);
        assertThrows(BootException.class, b::build, "no vCPU");
        assertEquals(1, given.closes, "closed once by the failed build");
        ClosingRng second = new ClosingRng();
        assertThrows(UncheckedIOException.class, builder().virtio(second)::build, "the kernel file is missing");
        assertEquals(1, second.closes);
    }

    @Test
    void aNetworkCardsNamesAreCheckedWhenGivenAndTheTapIsOpenedOnlyByBuild() {
        IllegalArgumentException name =
                assertThrows(IllegalArgumentException.class, () -> builder().net("tap 0", null));
        assertTrue(name.getMessage().contains("tap 0"), name.getMessage());
        IllegalArgumentException mac =
                assertThrows(IllegalArgumentException.class, () -> builder().net("vmm4jtest0", "01:00:5e:00:00:01"));
        assertTrue(mac.getMessage().contains("01:00:5e:00:00:01"), mac.getMessage());
        // a builder that is never built holds nothing: no tap was created (which would need CAP_NET_ADMIN)
        builder().net("vmm4jtest0", "52:54:00:12:34:56");
        assertFalse(Files.exists(Path.of("/sys/class/net/vmm4jtest0")), "no tap before build()");
    }

    /** An entropy device that counts its closes. */
    private static final class ClosingRng implements VirtioDevice {
        private final VirtioRng rng = new VirtioRng();
        int closes;

        @Override
        public int deviceId() {
            return rng.deviceId();
        }

        @Override
        public long features() {
            return rng.features();
        }

        @Override
        public int queueCount() {
            return rng.queueCount();
        }

        @Override
        public int queueMaxSize(int index) {
            return rng.queueMaxSize(index);
        }

        @Override
        public long readConfig(long offset, int size) {
            return 0;
        }

        @Override
        public void writeConfig(long offset, int size, long value) {}

        @Override
        public void activate(Virtqueue[] queues, long features, VirtioTransport transport) {
            rng.activate(queues, features, transport);
        }

        @Override
        public void queueNotified(int index) {
            rng.queueNotified(index);
        }

        @Override
        public void reset() {
            rng.reset();
        }

        @Override
        public void close() {
            closes++;
        }
    }

    @Test
    void memoryMiBThatOverflowsIsRefusedWithTheLimit() {
        Machine.Builder b = builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.memoryMiB((1L << 44) + 64));
        assertTrue(e.getMessage().contains(Long.toString((1L << 44) + 64)), e.getMessage());
        assertTrue(e.getMessage().contains((Long.MAX_VALUE >> 20) + " MiB"), e.getMessage());
    }

    @Test
    void negativeMemoryMiBIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> builder().memoryMiB(-16));
    }

    @Test
    void moreVcpusThanTheMpTableDescribesAreRefusedBeforeTheKernelIsRead() {
        Machine.Builder b = builder().vcpus(Layout.MAX_VCPUS + 1);
        BootException e = assertThrows(BootException.class, b::build);
        assertTrue(e.getMessage().contains("at most 254 vCPUs"), e.getMessage());
        assertTrue(e.getMessage().contains("not 255"), e.getMessage());
    }

    @Test
    void noVcpusIsRefused() {
        Machine.Builder b = builder().vcpus(0);
        BootException e = assertThrows(BootException.class, b::build);
        assertTrue(e.getMessage().contains("at least one vCPU"), e.getMessage());
    }

    @Test
    void memoryAboveTheMachineLimitIsABootException() {
        Machine.Builder b = builder().allowMemoryOvercommit().memoryMiB(64L << 20); // 64 TiB: KVM says EINVAL
        BootException e = assertThrows(BootException.class, b::build);
        assertTrue(e.getMessage().contains((64L << 20) + " MiB"), e.getMessage());
        assertTrue(e.getMessage().contains((Layout.MAX_MEMORY_SIZE >> 20) + " MiB"), e.getMessage());
    }

    @Test
    void theLargestPageAlignedSizeIsABootException() {
        Machine.Builder b = builder().allowMemoryOvercommit().memoryBytes(Long.MAX_VALUE & -Layout.PAGE_SIZE);
        BootException e = assertThrows(BootException.class, b::build);
        assertTrue(e.getMessage().contains("a machine can have"), e.getMessage());
    }

    @Test
    void memoryBeyondTheHostsIsRefusedWithTheHostsMemory() {
        Machine.Builder b = builder().hostMemory(OptionalLong.of(1L << 30)).memoryMiB(2048);
        BootException e = assertThrows(BootException.class, b::build);
        assertTrue(e.getMessage().contains("2048 MiB"), e.getMessage());
        assertTrue(e.getMessage().contains("host's 1024 MiB"), e.getMessage());
        assertTrue(e.getMessage().contains("allowMemoryOvercommit()"), e.getMessage());
    }

    @Test
    void overcommitOptInPassesTheHostCheck() {
        Path kernel = dir.resolve("vmlinuz");
        Machine.Builder b =
                builder().hostMemory(OptionalLong.of(1L << 30)).memoryMiB(2048).allowMemoryOvercommit();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, b::build);
        assertEquals("cannot read kernel " + kernel + ": no such file", e.getMessage());
    }

    @Test
    void withoutAKnownHostSizeOnlyTheMachineLimitApplies() {
        Machine.Builder b = builder().hostMemory(OptionalLong.empty()).memoryMiB(2048);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, b::build);
        assertTrue(e.getMessage().endsWith(": no such file"), e.getMessage());
    }

    @Test
    void theJdkReportsTheHostsMemory() {
        OptionalLong host = HostMemory.physicalBytes();
        assertTrue(host.isPresent(), "jdk.management should be readable in the test runtime");
        assertTrue(host.getAsLong() >= 16L << 20, Long.toString(host.getAsLong()));
    }

    @Test
    void aMissingInitrdSaysSo() {
        Path initrd = dir.resolve("initrd.img");
        UncheckedIOException e =
                assertThrows(UncheckedIOException.class, () -> builder().initrd(initrd));
        assertEquals("cannot read initrd " + initrd + ": no such file", e.getMessage());
    }

    @Test
    void moreVcpusThanTheHypervisorTakesAreABootExceptionAndTheVmIsClosed() {
        boolean[] closed = new boolean[1];
        VirtualMachine vm = (VirtualMachine) Proxy.newProxyInstance(
                VirtualMachine.class.getClassLoader(), new Class<?>[] {VirtualMachine.class}, (p, m, a) -> {
                    switch (m.getName()) {
                        case "maxVcpus":
                            return 2;
                        case "kind":
                            return "fake";
                        case "close":
                            closed[0] = true;
                            return null;
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
        Hypervisor hypervisor = (Hypervisor) Proxy.newProxyInstance(
                Hypervisor.class.getClassLoader(), new Class<?>[] {Hypervisor.class}, (p, m, a) -> {
                    if (m.getName().equals("createVm")) {
                        return vm;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        Machine.Builder b = Machine.builder()
                .kernel(LinuxKernel.of(MinimalKernel.bzImage(), null, null))
                .hostMemory(OptionalLong.empty())
                .hypervisor(hypervisor)
                .vcpus(3);
        BootException e = assertThrows(BootException.class, b::build);
        assertEquals("this fake VM takes at most 2 vCPUs, not 3", e.getMessage());
        assertTrue(closed[0], "the VM was not closed");
    }
}
