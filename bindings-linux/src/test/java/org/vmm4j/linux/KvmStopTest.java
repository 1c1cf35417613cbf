package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.linux.GuestSetup.CODE;
import static org.vmm4j.linux.GuestSetup.bytes;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.VmExit;
import org.vmm4j.testsupport.RequiresHost;

/** {@code requestStop()} from another thread gets a vCPU out of KVM_RUN promptly, whatever the guest does. */
@RequiresHost(kvm = true)
class KvmStopTest {
    private static final long LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    @Test
    void stopsGuestSpinningInJumpToSelf() throws Exception {
        assertStopsWithin100ms(bytes(0xeb, 0xfe), false); // jmp $
    }

    @Test
    void stopsGuestHaltedWithInterruptsDisabledInKernel() throws Exception {
        assertStopsWithin100ms(bytes(0xfa, 0xf4), true); // cli; hlt with the in-kernel irqchip: blocks in KVM
    }

    @Test
    void requestBeforeRunMakesTheNextRunReturnAtOnceAndIsConsumed() {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
            mem.write(0, bytes(0xba, 0xe9, 0x00, 0xee, 0xf4)); // mov dx,0xe9; out dx,al; hlt
            KvmVcpu cpu = vm.createVcpu(0);
            GuestSetup.realMode(cpu, CODE, Registers.builder());
            cpu.requestStop();
            assertEquals(ExitKind.STOP_REQUESTED, cpu.run().kind());
            assertEquals(ExitKind.IO_OUT, cpu.run().kind(), "the request was consumed; the guest runs on");
            assertEquals(ExitKind.HLT, cpu.run().kind());
        }
    }

    @Test
    void repeatedStopsAndRunsKeepWorking() throws Exception {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
            mem.write(0, bytes(0xeb, 0xfe));
            KvmVcpu cpu = vm.createVcpu(0);
            GuestSetup.realMode(cpu, CODE, Registers.builder());
            AtomicInteger stops = new AtomicInteger();
            CountDownLatch running = new CountDownLatch(1);
            Thread runner = new Thread(
                    () -> {
                        running.countDown();
                        while (stops.get() < 20) {
                            if (cpu.run().kind() == ExitKind.STOP_REQUESTED) {
                                stops.incrementAndGet();
                            }
                        }
                    },
                    "vcpu-0");
            runner.start();
            running.await();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (stops.get() < 20 && System.nanoTime() < deadline) {
                int before = stops.get();
                cpu.requestStop();
                while (stops.get() == before && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            }
            runner.join(5000);
            assertEquals(20, stops.get());
        }
    }

    private static void assertStopsWithin100ms(byte[] code, boolean irqchip) throws Exception {
        try (KvmSystem kvm = KvmSystem.open();
                KvmVm vm = kvm.createVm()) {
            if (irqchip) {
                vm.createIrqchip();
            }
            GuestMemory mem = vm.allocateMemory(CODE, 0x1000);
            mem.write(0, code);
            KvmVcpu cpu = vm.createVcpu(0);
            GuestSetup.realMode(cpu, CODE, Registers.builder());
            CompletableFuture<Long> tid = new CompletableFuture<>();
            CompletableFuture<Long> returnedAt = new CompletableFuture<>();
            CompletableFuture<ExitKind> kind = new CompletableFuture<>();
            Thread runner = new Thread(
                    () -> {
                        try {
                            tid.complete(KvmRunObserver.currentTid());
                            VmExit exit = cpu.run();
                            returnedAt.complete(System.nanoTime());
                            kind.complete(exit.kind());
                        } catch (Throwable t) {
                            tid.completeExceptionally(t);
                            returnedAt.completeExceptionally(t);
                            kind.completeExceptionally(t);
                        }
                    },
                    "vcpu-0");
            runner.start();
            long vcpuTid = tid.get(5, TimeUnit.SECONDS);
            KvmRunObserver.awaitInsideKvmRun(vcpuTid, Duration.ofSeconds(10));
            assertTrue(runner.isAlive(), "the guest should still be running");
            long requested = System.nanoTime();
            cpu.requestStop();
            Long done = returnedAt.get(5, TimeUnit.SECONDS);
            assertNotNull(done);
            long latency = done - requested;
            assertEquals(ExitKind.STOP_REQUESTED, kind.get());
            assertTrue(latency < LIMIT_NANOS, "run() returned after " + latency / 1000 + " µs");
            runner.join(1000);
        }
    }
}
