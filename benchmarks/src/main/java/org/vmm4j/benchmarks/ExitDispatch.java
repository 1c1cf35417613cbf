package org.vmm4j.benchmarks;

import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vmm4j.ExitKind;
import org.vmm4j.machine.ExitDispatcher;
import org.vmm4j.machine.PcDevices;
import org.vmm4j.machine.PortIoDevice;
import org.vmm4j.machine.ScriptedExit;
import org.vmm4j.x86.InterruptLine;

/**
 * Dispatch of one exit to the PC devices, pure Java: a UART THR write (0x3f8), a read of an unmapped
 * port, and an MMIO write to the boot timer page. {@link #vmm4j}: {@link ExitDispatcher} (port array,
 * sorted MMIO ranges). The baseline in the same run, {@link #boxedMap}, finds the same devices through a
 * {@code HashMap<Integer, PortIoDevice>}, the design the port array replaces (there is no C side:
 * dispatch never leaves Java).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ExitDispatch {
    @Param({"uart-thr", "unmapped-port", "mmio-boot-timer"})
    public String exit;

    private ExitDispatcher dispatcher;
    private final Map<Integer, PortIoDevice> byPort = new HashMap<>();
    private final ScriptedExit scripted = new ScriptedExit();

    @Setup
    public void setUp() {
        PcDevices devices =
                new PcDevices(OutputStream.nullOutputStream(), irq -> InterruptLine.NONE, () -> {}, null, null);
        dispatcher = devices.dispatcher();
        for (int port = 0; port < 65536; port++) {
            PortIoDevice d = devices.ports().deviceAt(port);
            if (d != null) {
                byPort.put(port, d);
            }
        }
        switch (exit) {
            case "uart-thr" -> scripted.io(ExitKind.IO_OUT, 0x3f8, 1, 1).setIoData(0, 'x');
            case "unmapped-port" -> scripted.io(ExitKind.IO_IN, 0x2e8, 1, 1);
            case "mmio-boot-timer" -> scripted.mmio(ExitKind.MMIO_WRITE, PcDevices.BOOT_TIMER_MMIO_ADDRESS + 8, 4, 0);
            default -> throw new IllegalArgumentException(exit);
        }
    }

    @Benchmark
    public boolean vmm4j() {
        return dispatcher.dispatch(scripted);
    }

    @Benchmark
    public long boxedMap() {
        if (scripted.kind() == ExitKind.MMIO_WRITE) {
            return dispatcher.dispatch(scripted) ? 1 : 0; // MMIO has no map variant: ranges, not keys
        }
        PortIoDevice d = byPort.get(scripted.ioPort());
        if (d == null) {
            scripted.setIoData(0, 0xff);
            return 0;
        }
        if (scripted.kind() == ExitKind.IO_OUT) {
            d.ioWrite(scripted.ioPort() - 0x3f8, 1, (int) scripted.ioData(0));
            return 1;
        }
        return d.ioRead(0, 1);
    }
}
