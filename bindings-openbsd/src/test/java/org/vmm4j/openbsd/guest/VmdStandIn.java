package org.vmm4j.openbsd.guest;

import static org.vmm4j.openbsd.guest.VmdWire.EACCES;
import static org.vmm4j.openbsd.guest.VmdWire.EEXIST;
import static org.vmm4j.openbsd.guest.VmdWire.ENOENT;
import static org.vmm4j.openbsd.guest.VmdWire.IMSG_CTL_FAIL;
import static org.vmm4j.openbsd.guest.VmdWire.VMD_DISK_MISSING;
import static org.vmm4j.openbsd.guest.VmdWire.VMD_VM_STOP_INVALID;
import static org.vmm4j.openbsd.guest.VmdWire.VMOP_FORCE;
import static org.vmm4j.openbsd.guest.VmdWire.VMOP_WAIT;
import static org.vmm4j.openbsd.guest.VmdWire.VM_STATE_PAUSED;
import static org.vmm4j.openbsd.guest.VmdWire.VM_STATE_RUNNING;
import static org.vmm4j.openbsd.guest.VmdWire.VM_STATE_SHUTDOWN;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.vmm4j.testsupport.Await;

/**
 * TEST ONLY: a vmd stand-in that listens on a real UNIX socket and answers vmctl's conversations from
 * a table of VMs. It frames and decodes with {@link VmdWire}, its own transcription of the headers,
 * never with the production codec. Faults can be scheduled: failing the next request with
 * IMSG_CTL_FAIL, or closing the connection in the middle of the next reply.
 */
final class VmdStandIn implements AutoCloseable {

    static final class Vm {
        final int id;
        final String name;
        long memory;
        int pid;
        String tty = "";
        int state;
        boolean stopsOnRequest = true;

        Vm(int id, String name, long memory) {
            this.id = id;
            this.name = name;
            this.memory = memory;
        }
    }

    enum Fault {
        NONE,
        CTL_FAIL,
        CLOSE_MID_REPLY
    }

    final VmdWire wire;
    private final ServerSocketChannel server;
    private final Thread thread;
    final Path socket;
    final Map<String, Vm> vms = Collections.synchronizedMap(new LinkedHashMap<>());
    final List<VmdWire.Message> received = Collections.synchronizedList(new ArrayList<>());
    volatile Fault fault = Fault.NONE;
    /** When set, RELOAD re-reads this vm.conf like vmd: new VMs are added, enabled stopped ones started. */
    volatile Path confFile;

    final List<String> startedByReload = Collections.synchronizedList(new ArrayList<>());
    /** RELOADs handled so far (vmd does not answer one, so a client returns before it is handled). */
    private final AtomicInteger reloadsHandled = new AtomicInteger();

    private int nextId = 1;
    private int nextTty;

    /** A vmd of {@code release} ("7.8" or "7.4") listening on {@code dir/vmd.sock}. */
    VmdStandIn(Path dir, String release) throws IOException {
        this.wire = VmdWire.forRelease(release);
        this.socket = dir.resolve("vmd.sock");
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(this::serve, "vmd-stand-in");
        thread.setDaemon(true);
        thread.start();
    }

    /** A VM vm.conf defines (stopped). */
    synchronized Vm define(String name, long memory) {
        Vm vm = new Vm(nextId++, name, memory);
        vms.put(name, vm);
        return vm;
    }

    /** Marks {@code name} running as vmd would after starting it, with a pid and a console. */
    synchronized Vm running(String name) {
        Vm vm = vms.get(name);
        vm.state = VM_STATE_RUNNING;
        vm.pid = 50000 + vm.id;
        vm.tty = "ttyp" + nextTty++;
        return vm;
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                while (true) {
                    VmdWire.Message m = receive(client);
                    if (m == null) {
                        break;
                    }
                    received.add(m);
                    Fault f = fault;
                    fault = Fault.NONE;
                    if (f == Fault.CTL_FAIL) {
                        write(client, wire.encode(IMSG_CTL_FAIL, VmdWire.intPayload(EACCES)));
                        continue;
                    }
                    List<byte[]> replies = handle(m);
                    if (m.type() == wire.reload) {
                        reloadsHandled.incrementAndGet();
                    }
                    if (f == Fault.CLOSE_MID_REPLY && !replies.isEmpty()) {
                        byte[] first = replies.get(0);
                        client.write(ByteBuffer.wrap(first, 0, first.length / 2));
                        break;
                    }
                    for (byte[] r : replies) {
                        write(client, r);
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    /** The next message, or null when the client hung up. */
    private VmdWire.Message receive(SocketChannel client) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(VmdWire.HEADER_SIZE);
        if (!fill(client, header)) {
            return null;
        }
        int[] h = wire.header(header);
        if (h[1] < VmdWire.HEADER_SIZE || h[1] > VmdWire.MAX_IMSGSIZE) {
            throw new IOException("bad imsg length " + h[1]);
        }
        ByteBuffer payload = ByteBuffer.allocate(h[1] - VmdWire.HEADER_SIZE);
        if (!fill(client, payload)) {
            throw new IOException("client hung up mid-message");
        }
        return new VmdWire.Message(h[0], h[1], h[2] != 0, payload.array());
    }

    private static boolean fill(SocketChannel c, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void write(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private byte[] result(int type, int result, Vm vm) {
        return wire.encode(
                type,
                VmdWire.result(result, vm == null ? 0 : vm.id, vm == null ? 0 : vm.pid, vm == null ? "" : vm.tty));
    }

    private synchronized List<byte[]> handle(VmdWire.Message m) {
        int t = m.type();
        if (t == wire.startVmRequest) {
            VmdWire.Create r = wire.createParams(m.payload());
            Vm vm = vms.get(r.name());
            if (vm == null) {
                if (r.memory() == 0) {
                    return List.of(result(wire.startVmResponse, ENOENT, null)); // not in vm.conf
                }
                vm = define(r.name(), r.memory());
            }
            if ((vm.state & VM_STATE_RUNNING) != 0) {
                return List.of(result(wire.startVmResponse, EEXIST, vm));
            }
            for (String disk : r.disks()) {
                if (!Files.exists(Path.of(disk))) {
                    return List.of(result(wire.startVmResponse, VMD_DISK_MISSING, null));
                }
            }
            running(vm.name);
            return List.of(result(wire.startVmResponse, 0, vm));
        }
        if (t == wire.terminateVmRequest || t == wire.waitVmRequest) {
            VmdWire.VmopId id = VmdWire.vmopId(m.payload());
            Vm vm = find(id.id(), id.name());
            int reply = t == wire.terminateVmRequest ? wire.terminateVmResponse : wire.terminateVmEvent;
            if (vm == null) {
                return List.of(result(reply, ENOENT, null));
            }
            if ((vm.state & VM_STATE_RUNNING) == 0) {
                return List.of(result(reply, VMD_VM_STOP_INVALID, vm));
            }
            if (t == wire.waitVmRequest) {
                stop(vm);
                return List.of(result(wire.terminateVmEvent, 0, vm));
            }
            boolean force = (id.flags() & VMOP_FORCE) != 0;
            List<byte[]> out = new ArrayList<>();
            out.add(result(wire.terminateVmResponse, 0, vm));
            if (force || vm.stopsOnRequest) {
                if ((id.flags() & VMOP_WAIT) != 0) {
                    stop(vm);
                    out.add(result(wire.terminateVmEvent, 0, vm));
                } else {
                    stop(vm); // forced, or a guest that obeys the request at once
                }
            } else {
                vm.state |= VM_STATE_SHUTDOWN; // a guest that ignores the request
            }
            return out;
        }
        if (t == wire.pauseVm || t == wire.unpauseVm) {
            VmdWire.VmopId id = VmdWire.vmopId(m.payload());
            Vm vm = find(id.id(), id.name());
            int reply = t == wire.pauseVm ? wire.pauseVmResponse : wire.unpauseVmResponse;
            if (vm == null) {
                return List.of(result(reply, ENOENT, null));
            }
            if (t == wire.pauseVm) {
                vm.state |= VM_STATE_PAUSED;
            } else {
                vm.state &= ~VM_STATE_PAUSED;
            }
            return List.of(result(reply, 0, vm));
        }
        if (t == wire.getInfoVmRequest) {
            List<byte[]> out = new ArrayList<>();
            for (Vm vm : vms.values()) {
                out.add(wire.encode(
                        wire.getInfoVmData,
                        VmdWire.infoResult(
                                vm.id, vm.pid, 1, vm.memory, vm.memory / 4, vm.tty, 0, -1, vm.state, vm.name)));
            }
            out.add(wire.encode(wire.getInfoVmEndData, new byte[0]));
            return out;
        }
        if (t == wire.reload && confFile != null) {
            VmConf conf = new VmConfFile(confFile).read();
            vms.keySet().removeIf(n -> conf.vm(n).isEmpty() && (vms.get(n).state & VM_STATE_RUNNING) == 0);
            for (VmConf.Vm v : conf.vms()) {
                Vm vm = vms.get(v.name());
                if (vm == null) {
                    vm = define(v.name(), v.memoryBytes());
                }
                vm.memory = v.memoryBytes();
                if (!v.disabled() && (vm.state & VM_STATE_RUNNING) == 0) {
                    running(vm.name);
                    startedByReload.add(v.name());
                }
            }
        }
        return List.of(); // reload, load, reset, log: vmd does not answer
    }

    private static void stop(Vm vm) {
        vm.state = 0;
        vm.pid = 0;
        vm.tty = "";
    }

    private Vm find(int id, String name) {
        for (Vm vm : vms.values()) {
            if (id != 0 ? vm.id == id : vm.name.equals(name)) {
                return vm;
            }
        }
        return null;
    }

    /** Waits until the stand-in has handled {@code count} RELOADs, which no reply tells the client about. */
    void awaitReloads(int count) {
        Await.until(
                "the vmd stand-in to handle " + count + " RELOAD(s)",
                Duration.ofSeconds(5),
                () -> reloadsHandled.get() >= count);
    }

    /** Waits until the stand-in has received {@code count} messages. */
    void awaitReceived(int count) {
        Await.until(
                "the vmd stand-in to receive " + count + " messages",
                Duration.ofSeconds(5),
                () -> received.size() >= count);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
