package org.vmm4j.openbsd.guest;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmm4j.host.SafeNames;

/**
 * A pure-Java vmctl: speaks vmd's imsg protocol over its control socket ({@code /var/run/vmd.sock})
 * through {@link SocketChannel} and {@link UnixDomainSocketAddress}. Like vmctl it opens one connection
 * per command. Thread-safe (nothing is shared between commands).
 *
 * <p>Not possible without native code: passing a kernel/BIOS image as an fd ({@code vmctl start -b});
 * name the image in vm.conf ({@code boot "/path"}) instead.
 */
public final class VmdClient {
    public static final Path SOCKET = Path.of("/var/run/vmd.sock");

    /** How {@link #stop} asks: graceful (ACPI-style shutdown request), forced, and whether to wait. */
    public enum StopMode {
        GRACEFUL,
        FORCE
    }

    private final Path socket;
    private final VmdProtocol protocol;
    private final VmdMessages messages;

    public VmdClient(Path socket, VmdProtocol protocol) {
        this.socket = socket;
        this.protocol = protocol;
        this.messages = new VmdMessages(protocol);
    }

    public VmdProtocol protocol() {
        return protocol;
    }

    public Path socket() {
        return socket;
    }

    /** Whether vmd accepts connections (the probe's "running"). */
    public boolean answers() {
        try {
            connect().close();
            return true;
        } catch (ImsgException e) {
            return false;
        }
    }

    /**
     * Connects once and hangs up: how {@code GuestManager.connect} checks that vmd is there.
     *
     * @throws ImsgException saying why vmd cannot be reached
     */
    public void requireAnswer() {
        connect().close();
    }

    private ImsgChannel connect() {
        try {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            return new ImsgChannel(channel, protocol.headerFormat());
        } catch (IOException e) {
            throw new ImsgException(
                    "cannot connect to vmd at " + socket + ": " + e.getMessage() + " (is vmd running? rcctl start vmd)",
                    e);
        }
    }

    /** Reads until a message other than the ones vmd may interleave, failing on IMSG_CTL_FAIL. */
    private Imsg expect(ImsgChannel c, String operation, int... types) {
        while (true) {
            Imsg m = c.receive();
            if (m.type() == VmdProtocol.IMSG_CTL_FAIL) {
                int errno = m.payloadLength() == 4 ? m.data().getInt() : 0;
                throw errno == 0
                        ? new VmdException(operation, 0, operation + " failed: vmd answered IMSG_CTL_FAIL")
                        : new VmdException(operation, errno);
            }
            for (int t : types) {
                if (m.type() == t) {
                    return m;
                }
            }
            throw new ImsgException(operation + ": unexpected reply type " + m.type());
        }
    }

    /**
     * {@code vmctl start}: starts a VM from vm.conf ({@link VmStartRequest#byName}) or as described.
     *
     * @return vmd's result with the new VM's id, pid and console tty
     * @throws VmdException when vmd refuses (missing disk or firmware, already running, ...)
     */
    public VmdResult start(VmStartRequest request) {
        byte[] payload = messages.createParams(request);
        try (ImsgChannel c = connect()) {
            c.send(Imsg.of(protocol.startVmRequest, payload));
            VmdResult r = messages.decodeResult(expect(c, "start " + request.name(), protocol.startVmResponse)
                    .payload());
            if (!r.ok()) {
                throw new VmdException("start " + request.name(), r.result());
            }
            return r;
        }
    }

    /**
     * {@code vmctl stop [-f] [-w]}: asks the VM to shut down (or terminates it with {@code FORCE});
     * with {@code wait}, returns only when it has stopped.
     *
     * @throws VmdException when vmd refuses (not running: VMD_VM_STOP_INVALID; unknown: ENOENT)
     */
    public void stop(String name, StopMode mode, boolean wait) {
        SafeNames.require("VM name", name, VmdProtocol.VM_NAME_MAX - 1);
        int flags = (mode == StopMode.FORCE ? VmdProtocol.VMOP_FORCE : 0) | (wait ? VmdProtocol.VMOP_WAIT : 0);
        terminate(protocol.terminateVmRequest, "stop " + name, 0, name, flags);
    }

    /** {@code vmctl stop} by vmd's VM id. */
    public void stop(int id, StopMode mode, boolean wait) {
        int flags = (mode == StopMode.FORCE ? VmdProtocol.VMOP_FORCE : 0) | (wait ? VmdProtocol.VMOP_WAIT : 0);
        terminate(protocol.terminateVmRequest, "stop " + id, id, "", flags);
    }

    /** {@code vmctl wait}: returns when the VM has stopped. */
    public void waitFor(String name) {
        SafeNames.require("VM name", name, VmdProtocol.VM_NAME_MAX - 1);
        terminate(protocol.waitVmRequest, "wait " + name, 0, name, VmdProtocol.VMOP_WAIT);
    }

    private void terminate(int type, String operation, int id, String name, int flags) {
        try (ImsgChannel c = connect()) {
            c.send(Imsg.of(type, messages.vmopId(id, name, flags)));
            boolean wait = (flags & VmdProtocol.VMOP_WAIT) != 0;
            while (true) {
                Imsg m = expect(c, operation, protocol.terminateVmResponse, protocol.terminateVmEvent);
                VmdResult r = messages.decodeResult(m.payload());
                if (!r.ok()) {
                    throw new VmdException(operation, r.result());
                }
                if (m.type() == protocol.terminateVmEvent || !wait) {
                    return;
                }
            }
        }
    }

    /** {@code vmctl pause}. */
    public void pause(String name) {
        simple(protocol.pauseVm, protocol.pauseVmResponse, "pause", name);
    }

    /** {@code vmctl unpause}. */
    public void unpause(String name) {
        simple(protocol.unpauseVm, protocol.unpauseVmResponse, "unpause", name);
    }

    private void simple(int type, int response, String verb, String name) {
        SafeNames.require("VM name", name, VmdProtocol.VM_NAME_MAX - 1);
        try (ImsgChannel c = connect()) {
            c.send(Imsg.of(type, messages.vmopId(0, name, 0)));
            VmdResult r =
                    messages.decodeResult(expect(c, verb + " " + name, response).payload());
            if (!r.ok()) {
                throw new VmdException(verb + " " + name, r.result());
            }
        }
    }

    /** {@code vmctl status}: every VM vmd knows, running or not. */
    public List<VmdVmStatus> status() {
        try (ImsgChannel c = connect()) {
            c.send(Imsg.of(protocol.getInfoVmRequest, new byte[0]));
            List<VmdVmStatus> out = new ArrayList<>();
            while (true) {
                Imsg m = expect(c, "status", protocol.getInfoVmData, protocol.getInfoVmEndData);
                if (m.type() == protocol.getInfoVmEndData) {
                    return out;
                }
                out.add(messages.decodeInfoResult(m.payload()));
            }
        }
    }

    /** The VM named {@code name}, as {@code vmctl status name} filters on the client side. */
    public Optional<VmdVmStatus> status(String name) {
        for (VmdVmStatus s : status()) {
            if (s.name().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** {@code vmctl console}'s lookup: the VM's console tty path, when it runs. */
    public Optional<String> consoleTty(String name) {
        return status(name).flatMap(VmdVmStatus::ttyPath);
    }

    /**
     * {@code vmctl stop -a}: asks every running VM to stop (vmctl does the same: a status query,
     * then one stop per VM).
     *
     * @return the names of the VMs asked to stop
     */
    public List<String> stopAll(StopMode mode, boolean wait) {
        List<String> stopped = new ArrayList<>();
        for (VmdVmStatus s : status()) {
            if (s.running()) {
                stop(s.id(), mode, wait);
                stopped.add(s.name());
            }
        }
        return stopped;
    }

    /** {@code vmctl log brief|verbose}: vmd's log level (an {@code int}: 1 brief, 2 verbose). */
    public void setVerboseLogging(boolean verbose) {
        fireAndForget(Imsg.of(VmdProtocol.IMSG_CTL_VERBOSE, VmdMessages.intPayload(verbose ? 2 : 1)));
    }

    /** {@code vmctl reload}: re-reads vm.conf. */
    public void reload() {
        fireAndForget(Imsg.of(protocol.reload, new byte[0]));
    }

    /** {@code vmctl load FILE}: loads an additional configuration file. */
    public void load(Path file) {
        VmStartRequest.requirePath("configuration file", file.toString());
        fireAndForget(Imsg.of(protocol.load, VmdMessages.pathPayload(file.toString())));
    }

    /** {@code vmctl reset [all|vms|switches]} ({@code CONFIG_*}). */
    public void reset(int mode) {
        if (mode != VmdProtocol.CONFIG_ALL && mode != VmdProtocol.CONFIG_VMS && mode != VmdProtocol.CONFIG_SWITCHES) {
            throw new IllegalArgumentException("reset mode must be CONFIG_ALL, CONFIG_VMS or CONFIG_SWITCHES: " + mode);
        }
        fireAndForget(Imsg.of(VmdProtocol.IMSG_CTL_RESET, VmdMessages.intPayload(mode)));
    }

    /**
     * Sends a command vmd does not answer on success (vmctl does not wait either); an immediate
     * IMSG_CTL_FAIL cannot be told apart from a late one, so errors show in vmd's log.
     */
    private void fireAndForget(Imsg message) {
        try (ImsgChannel c = connect()) {
            c.send(message);
        }
    }
}
