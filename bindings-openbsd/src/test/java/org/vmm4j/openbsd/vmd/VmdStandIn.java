package org.vmm4j.openbsd.vmd;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
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

import org.vmm4j.testsupport.Await;

/**
 * TEST ONLY: a vmd stand-in that listens on a real UNIX socket and answers vmctl's conversations with
 * the same framing and payloads, from a table of VMs. Faults can be scheduled: failing the next
 * request with IMSG_CTL_FAIL, or closing the connection in the middle of the next reply.
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

    enum Fault { NONE, CTL_FAIL, CLOSE_MID_REPLY }

    private final VmdProtocol protocol;
    private final VmdMessages messages;
    private final ServerSocketChannel server;
    private final Thread thread;
    final Path socket;
    final Map<String, Vm> vms = Collections.synchronizedMap(new LinkedHashMap<>());
    final List<Imsg> received = Collections.synchronizedList(new ArrayList<>());
    volatile Fault fault = Fault.NONE;
    /** When set, RELOAD re-reads this vm.conf like vmd: new VMs are added, enabled stopped ones started. */
    volatile Path confFile;
    final List<String> startedByReload = Collections.synchronizedList(new ArrayList<>());
    private int nextId = 1;
    private int nextTty;

    VmdStandIn(Path dir, VmdProtocol protocol) throws IOException {
        this.protocol = protocol;
        this.messages = new VmdMessages(protocol);
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

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                ImsgChannel c = new ImsgChannel(client, protocol.headerFormat());
                while (true) {
                    Imsg m;
                    try {
                        m = c.receive();
                    } catch (ImsgException eof) {
                        break;
                    }
                    received.add(m);
                    Fault f = fault;
                    fault = Fault.NONE;
                    if (f == Fault.CTL_FAIL) {
                        c.send(Imsg.of(VmdProtocol.IMSG_CTL_FAIL, VmdMessages.intPayload(13)));
                        continue;
                    }
                    List<Imsg> replies = handle(m);
                    if (f == Fault.CLOSE_MID_REPLY && !replies.isEmpty()) {
                        byte[] wire = replies.get(0).encode(protocol.headerFormat());
                        client.write(java.nio.ByteBuffer.wrap(wire, 0, wire.length / 2));
                        break;
                    }
                    for (Imsg r : replies) {
                        c.send(r);
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    private Imsg result(int type, int result, Vm vm) {
        return Imsg.of(type, messages.result(new VmdResult(result, vm == null ? 0 : vm.id, vm == null ? 0 : vm.pid,
                vm == null ? "" : vm.tty)));
    }

    private synchronized List<Imsg> handle(Imsg m) {
        int t = m.type();
        if (t == protocol.startVmRequest) {
            VmStartRequest r = messages.decodeCreateParams(m.payload());
            Vm vm = vms.get(r.name());
            if (vm == null) {
                if (r.memoryBytes() == 0) {
                    return List.of(result(protocol.startVmResponse, 2, null)); // ENOENT: not in vm.conf
                }
                vm = define(r.name(), r.memoryBytes());
            }
            if ((vm.state & VmdProtocol.VM_STATE_RUNNING) != 0) {
                return List.of(result(protocol.startVmResponse, 17, vm)); // EEXIST: already running
            }
            for (VmStartRequest.Disk d : r.disks()) {
                if (!Files.exists(Path.of(d.path()))) {
                    return List.of(result(protocol.startVmResponse, VmdProtocol.VMD_DISK_MISSING, null));
                }
            }
            vm.state = VmdProtocol.VM_STATE_RUNNING;
            vm.pid = 50000 + vm.id;
            vm.tty = "ttyp" + nextTty++;
            return List.of(result(protocol.startVmResponse, 0, vm));
        }
        if (t == protocol.terminateVmRequest || t == protocol.waitVmRequest) {
            Object[] id = messages.decodeVmopId(m.payload());
            Vm vm = find((Integer) id[0], (String) id[1]);
            int flags = (Integer) id[2];
            int reply = t == protocol.terminateVmRequest ? protocol.terminateVmResponse : protocol.terminateVmEvent;
            if (vm == null) {
                return List.of(result(reply, 2, null));
            }
            if ((vm.state & VmdProtocol.VM_STATE_RUNNING) == 0) {
                return List.of(result(reply, VmdProtocol.VMD_VM_STOP_INVALID, vm));
            }
            if (t == protocol.waitVmRequest) {
                stop(vm);
                return List.of(result(protocol.terminateVmEvent, 0, vm));
            }
            boolean force = (flags & VmdProtocol.VMOP_FORCE) != 0;
            List<Imsg> out = new ArrayList<>();
            out.add(result(protocol.terminateVmResponse, 0, vm));
            if (force || vm.stopsOnRequest) {
                if ((flags & VmdProtocol.VMOP_WAIT) != 0) {
                    stop(vm);
                    out.add(result(protocol.terminateVmEvent, 0, vm));
                } else if (force) {
                    stop(vm);
                } else {
                    vm.state |= VmdProtocol.VM_STATE_SHUTDOWN;
                    stop(vm); // the guest obeys the request at once
                }
            } else {
                vm.state |= VmdProtocol.VM_STATE_SHUTDOWN; // a guest that ignores the request
            }
            return out;
        }
        if (t == protocol.pauseVm || t == protocol.unpauseVm) {
            Object[] id = messages.decodeVmopId(m.payload());
            Vm vm = find((Integer) id[0], (String) id[1]);
            int reply = t == protocol.pauseVm ? protocol.pauseVmResponse : protocol.unpauseVmResponse;
            if (vm == null) {
                return List.of(result(reply, 2, null));
            }
            if (t == protocol.pauseVm) {
                vm.state |= VmdProtocol.VM_STATE_PAUSED;
            } else {
                vm.state &= ~VmdProtocol.VM_STATE_PAUSED;
            }
            return List.of(result(reply, 0, vm));
        }
        if (t == protocol.getInfoVmRequest) {
            List<Imsg> out = new ArrayList<>();
            for (Vm vm : vms.values()) {
                out.add(Imsg.of(protocol.getInfoVmData, messages.infoResult(new VmdVmStatus(vm.id, vm.pid, 1,
                        vm.memory, vm.memory / 4, vm.tty, 0, -1, vm.state, vm.name))));
            }
            out.add(Imsg.of(protocol.getInfoVmEndData, new byte[0]));
            return out;
        }
        if (t == protocol.reload && confFile != null) {
            VmConf conf = new VmConfFile(confFile).read();
            vms.keySet().removeIf(n -> conf.vm(n).isEmpty() && (vms.get(n).state & VmdProtocol.VM_STATE_RUNNING) == 0);
            for (VmConf.Vm v : conf.vms()) {
                Vm vm = vms.get(v.name());
                if (vm == null) {
                    vm = define(v.name(), v.memoryBytes());
                }
                vm.memory = v.memoryBytes();
                if (!v.disabled() && (vm.state & VmdProtocol.VM_STATE_RUNNING) == 0) {
                    vm.state = VmdProtocol.VM_STATE_RUNNING;
                    vm.pid = 50000 + vm.id;
                    vm.tty = "ttyp" + nextTty++;
                    startedByReload.add(v.name());
                }
            }
        }
        return List.of(); // reload, load, reset: vmd does not answer
    }

    private void stop(Vm vm) {
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

    /** Waits until the stand-in has received {@code count} messages. */
    void awaitReceived(int count) {
        Await.until("the vmd stand-in to receive " + count + " messages", Duration.ofSeconds(5),
                () -> received.size() >= count);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
