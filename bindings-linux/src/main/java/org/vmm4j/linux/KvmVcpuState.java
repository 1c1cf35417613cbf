package org.vmm4j.linux;

import static org.vmm4j.linux.abi.KvmHeader.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vmm4j.CpuidEntry;
import org.vmm4j.StateSection;
import org.vmm4j.internal.nat.Errno;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.x86.CpuFeature;
import org.vmm4j.x86.CpuModel;

/**
 * Everything KVM holds for one vCPU, as named sections of the kernel's own structs (x86-64, Linux 6.1 UAPI,
 * native byte order): what {@link KvmX86Platform#saveVcpuState} returns and {@code restoreVcpuState} puts
 * back. Which sections exist depends on the VM ({@link Shape}); a restore expects exactly the sections a save
 * on an equal VM would produce.
 *
 * <p>The restore order is the one KVM needs: CPUID first (it decides which MSRs and XSAVE components
 * exist), the TSC frequency before anything reads the TSC, special registers before the LAPIC (SREGS set the APIC base and its mode), the LAPIC before the
 * MSRs (the TSC deadline arms the LAPIC timer, and only in TSC-deadline mode), the TSC before the TSC
 * deadline, MP state and pending events last (an event is injected into the state it finds). Nested
 * virtualization state goes right after the special registers (EFER.SVME must be set for an SVM guest) and the
 * feature-control MSR (VMX operation needs it), before the general registers and everything else, which then
 * describe the vCPU as the nested state left it.
 *
 * <p>Special registers are saved as {@value #SREGS2} (KVM_GET_SREGS2) where KVM has KVM_CAP_SREGS2, instead of
 * {@value #SREGS}: the same registers plus the four PAE page-directory pointers, which a 32-bit PAE guest's CPU
 * holds apart from memory (KVM_SET_SREGS would read them from memory again, where the guest may have changed
 * them since it loaded CR3). The interrupt bitmap {@value #SREGS} has in their place is not lost: an injected
 * interrupt is also in {@value #EVENTS}, restored after. A restore takes either section, so snapshots written
 * before {@value #SREGS2} existed, or on a host without it, still restore.
 */
final class KvmVcpuState {
    static final String CPUID = "kvm.cpuid";
    static final String TSC_KHZ = "kvm.tsc-khz";
    static final String REGS = "kvm.regs";
    static final String SREGS = "kvm.sregs";
    static final String SREGS2 = "kvm.sregs2";
    static final String NESTED = "kvm.nested";
    static final String XSAVE = "kvm.xsave";
    static final String FPU = "kvm.fpu";
    static final String XCRS = "kvm.xcrs";
    static final String DEBUGREGS = "kvm.debugregs";
    static final String LAPIC = "kvm.lapic";
    static final String MSRS = "kvm.msrs";
    static final String MP_STATE = "kvm.mpstate";
    static final String EVENTS = "kvm.events";

    /** One CPUID entry in {@value #CPUID}: function, index, flags, eax, ebx, ecx, edx as 32-bit integers. */
    static final int CPUID_ENTRY_BYTES = 28;

    private static final int MSR_IA32_TSC = 0x10;
    private static final int MSR_IA32_TSC_DEADLINE = 0x6e0;
    private static final int MSR_IA32_FEATURE_CONTROL = 0x3a;
    private static final int MAX_CPUID_ENTRIES = 256;

    /**
     * What a VM's vCPUs have to save: the XSAVE area's size (0: only the legacy FPU area), whether XCRs and
     * debug registers can be read, whether the LAPIC is in the kernel, whether the TSC frequency can be read
     * (KVM_CAP_GET_TSC_KHZ) and the guest told it was stopped (KVM_CAP_KVMCLOCK_CTRL), whether special registers
     * come with the PAE page-directory pointers (KVM_CAP_SREGS2), and the largest nested virtualization state
     * (KVM_CAP_NESTED_STATE; 0: none).
     */
    record Shape(
            int xsaveSize,
            boolean xsave2,
            boolean xcrs,
            boolean debugregs,
            boolean lapic,
            boolean tscKhz,
            boolean kvmclockCtrl,
            boolean sregs2,
            int nestedStateSize) {}

    private KvmVcpuState() {}

    /** @param msrIndices the MSRs to try, KVM_GET_MSR_INDEX_LIST's */
    static List<StateSection> save(KvmVcpu cpu, Shape shape, int[] msrIndices) {
        cpu.enterState();
        try {
            cpu.completePendingExit();
            return read(cpu, shape, msrIndices);
        } finally {
            cpu.leaveState();
        }
    }

    private static List<StateSection> read(KvmVcpu cpu, Shape shape, int[] msrIndices) {
        List<StateSection> out = new ArrayList<>(12);
        NativeMemory cpuid = cpu.stateBuffer(KvmSystem.Cpuid.size(MAX_CPUID_ENTRIES));
        cpuid.putInt(KvmStructs.Cpuid2.NENT, MAX_CPUID_ENTRIES);
        Errno.check(cpu.ioctl(KVM_GET_CPUID2, cpuid), "ioctl(KVM_GET_CPUID2)");
        List<CpuidEntry> guestCpuid = KvmSystem.Cpuid.read(cpuid);
        out.add(new StateSection(CPUID, encodeCpuid(guestCpuid)));
        if (shape.tscKhz()) {
            out.add(new StateSection(
                    TSC_KHZ, intBytes((int) Errno.check(cpu.ioctl(KVM_GET_TSC_KHZ, 0), "ioctl(KVM_GET_TSC_KHZ)"))));
        }
        out.add(new StateSection(REGS, get(cpu, KVM_GET_REGS, "KVM_GET_REGS", KvmStructs.Regs.SIZE)));
        if (shape.sregs2()) {
            out.add(new StateSection(SREGS2, get(cpu, KVM_GET_SREGS2, "KVM_GET_SREGS2", KvmStructs.Sregs2.SIZE)));
        } else {
            out.add(new StateSection(SREGS, get(cpu, KVM_GET_SREGS, "KVM_GET_SREGS", KvmStructs.Sregs.SIZE)));
        }
        if (savesNestedState(shape, guestCpuid)) {
            out.add(new StateSection(NESTED, saveNestedState(cpu, shape.nestedStateSize())));
        }
        if (shape.xsaveSize() > 0) {
            out.add(new StateSection(
                    XSAVE,
                    shape.xsave2()
                            ? get(cpu, KVM_GET_XSAVE2, "KVM_GET_XSAVE2", shape.xsaveSize())
                            : get(cpu, KVM_GET_XSAVE, "KVM_GET_XSAVE", shape.xsaveSize())));
        } else {
            out.add(new StateSection(FPU, cpu.fpu()));
        }
        if (shape.xcrs()) {
            out.add(new StateSection(XCRS, get(cpu, KVM_GET_XCRS, "KVM_GET_XCRS", KvmStructs.Xcrs.SIZE)));
        }
        if (shape.debugregs()) {
            out.add(new StateSection(
                    DEBUGREGS, get(cpu, KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS", KvmStructs.Debugregs.SIZE)));
        }
        if (shape.lapic()) {
            out.add(new StateSection(LAPIC, cpu.lapic()));
        }
        out.add(new StateSection(MSRS, saveMsrs(cpu, msrIndices)));
        out.add(new StateSection(MP_STATE, intBytes(cpu.mpState())));
        out.add(new StateSection(
                EVENTS, get(cpu, KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS", KvmStructs.VcpuEvents.SIZE)));
        return out;
    }

    static void restore(KvmVcpu cpu, Shape shape, List<StateSection> state) {
        cpu.enterState();
        try {
            write(cpu, shape, state);
        } finally {
            cpu.leaveState();
        }
    }

    private static void write(KvmVcpu cpu, Shape shape, List<StateSection> state) {
        byte[] cpuid = require(state, CPUID, -1);
        if (cpuid.length % CPUID_ENTRY_BYTES != 0) {
            throw new IllegalArgumentException("state section " + CPUID + " is " + cpuid.length
                    + " bytes, not a multiple of " + CPUID_ENTRY_BYTES);
        }
        byte[] tscKhz = shape.tscKhz() ? require(state, TSC_KHZ, 4) : null;
        byte[] regs = require(state, REGS, KvmStructs.Regs.SIZE);
        byte[] sregs = find(state, SREGS, KvmStructs.Sregs.SIZE);
        byte[] sregs2 = find(state, SREGS2, KvmStructs.Sregs2.SIZE);
        if (sregs != null && sregs2 != null) {
            throw new IllegalArgumentException(
                    "state sections " + SREGS + " and " + SREGS2 + " both appear; a save writes one of them");
        }
        if (sregs == null && sregs2 == null) {
            throw new IllegalArgumentException("state section " + (shape.sregs2() ? SREGS2 : SREGS) + " is missing");
        }
        if (sregs2 != null && !shape.sregs2()) {
            throw new IllegalArgumentException("state section " + SREGS2
                    + " needs ioctl(KVM_SET_SREGS2) (KVM_CAP_SREGS2, Linux 5.14), which this host's KVM lacks:"
                    + " the saved PAE page-directory pointers cannot be restored");
        }
        byte[] nested = find(state, NESTED, -1);
        if (nested != null) {
            checkNestedState(nested, shape.nestedStateSize());
        }
        byte[] xsave = shape.xsaveSize() > 0 ? require(state, XSAVE, shape.xsaveSize()) : null;
        byte[] fpu = shape.xsaveSize() > 0 ? null : require(state, FPU, KvmStructs.Fpu.SIZE);
        byte[] xcrs = shape.xcrs() ? require(state, XCRS, KvmStructs.Xcrs.SIZE) : null;
        byte[] debugregs = shape.debugregs() ? require(state, DEBUGREGS, KvmStructs.Debugregs.SIZE) : null;
        byte[] lapic = shape.lapic() ? require(state, LAPIC, KvmStructs.LapicState.SIZE) : null;
        byte[] msrs = require(state, MSRS, -1);
        if (msrs.length % KvmStructs.Msrs.ENTRY_SIZE != 0) {
            throw new IllegalArgumentException("state section " + MSRS + " is " + msrs.length
                    + " bytes, not a multiple of " + KvmStructs.Msrs.ENTRY_SIZE);
        }
        byte[] mpState = require(state, MP_STATE, KvmStructs.MpState.SIZE);
        byte[] events = require(state, EVENTS, KvmStructs.VcpuEvents.SIZE);

        if (cpuid.length > 0) { // a vCPU that never had CPUID set saves none
            List<CpuidEntry> entries = decodeCpuid(cpuid);
            NativeMemory buffer = cpu.stateBuffer(KvmSystem.Cpuid.size(entries.size()));
            KvmSystem.Cpuid.write(buffer, entries);
            long r = cpu.ioctl(KVM_SET_CPUID2, buffer);
            if (r < 0) {
                throw refused(CPUID, Errno.exception("ioctl(KVM_SET_CPUID2)", (int) -r));
            }
        }
        if (tscKhz != null) {
            restoreTscKhz(
                    cpu, ByteBuffer.wrap(tscKhz).order(ByteOrder.nativeOrder()).getInt());
        }
        if (sregs2 != null) {
            set(cpu, KVM_SET_SREGS2, "KVM_SET_SREGS2", SREGS2, sregs2);
        } else {
            set(cpu, KVM_SET_SREGS, "KVM_SET_SREGS", SREGS, sregs);
        }
        if (nested != null) {
            byte[] featureControl = msrEntry(msrs, MSR_IA32_FEATURE_CONTROL);
            if (featureControl != null) {
                restoreMsrs(cpu, featureControl);
            }
            set(cpu, KVM_SET_NESTED_STATE, "KVM_SET_NESTED_STATE", NESTED, nested);
        }
        set(cpu, KVM_SET_REGS, "KVM_SET_REGS", REGS, regs);
        if (xsave != null) {
            set(cpu, KVM_SET_XSAVE, "KVM_SET_XSAVE", XSAVE, xsave);
        } else {
            set(cpu, KVM_SET_FPU, "KVM_SET_FPU", FPU, fpu);
        }
        if (xcrs != null) {
            set(cpu, KVM_SET_XCRS, "KVM_SET_XCRS", XCRS, xcrs);
        }
        if (debugregs != null) {
            set(cpu, KVM_SET_DEBUGREGS, "KVM_SET_DEBUGREGS", DEBUGREGS, debugregs);
        }
        if (lapic != null) {
            set(cpu, KVM_SET_LAPIC, "KVM_SET_LAPIC", LAPIC, lapic);
        }
        restoreMsrs(cpu, msrs);
        set(cpu, KVM_SET_MP_STATE, "KVM_SET_MP_STATE", MP_STATE, mpState);
        set(cpu, KVM_SET_VCPU_EVENTS, "KVM_SET_VCPU_EVENTS", EVENTS, events);
        if (shape.kvmclockCtrl()) {
            // Tells a guest using kvmclock that it was stopped, so its watchdogs do not count the time between
            // save and restore as a lockup; EINVAL when the guest has not enabled kvmclock (nothing to tell).
            cpu.ioctl(KVM_KVMCLOCK_CTRL, 0);
        }
    }

    /**
     * The guest's TSC ticks at the saved frequency: if this vCPU's differs (another host), KVM_SET_TSC_KHZ asks
     * KVM to scale it, which needs TSC scaling in the hardware (or a frequency close enough to the host's).
     */
    private static void restoreTscKhz(KvmVcpu cpu, int khz) {
        long current = cpu.ioctl(KVM_GET_TSC_KHZ, 0);
        if (current == khz) {
            return;
        }
        if (khz <= 0) {
            throw new IllegalArgumentException("state section " + TSC_KHZ + " holds " + khz + " kHz");
        }
        long r = cpu.ioctl(KVM_SET_TSC_KHZ, khz);
        if (r < 0) {
            throw refused(
                    TSC_KHZ,
                    Errno.exception("ioctl(KVM_SET_TSC_KHZ, " + khz + ") on a vCPU at " + current + " kHz", (int) -r));
        }
    }

    /**
     * The MSRs of {@code candidates} this vCPU has, as {@code kvm_msr_entry} records. KVM_GET_MSRS stops at the
     * first MSR it cannot read (one the CPUID does not offer), so the read goes on after each such MSR; the
     * TSC deadline is moved last because writing it only makes sense against the restored TSC.
     */
    private static byte[] saveMsrs(KvmVcpu cpu, int[] candidates) {
        int n = candidates.length;
        NativeMemory buffer =
                cpu.stateBuffer(KvmStructs.Msrs.ENTRIES + (long) Math.max(1, n) * KvmStructs.Msrs.ENTRY_SIZE);
        int[] indices = new int[n];
        long[] values = new long[n];
        int kept = 0;
        int deadline = -1;
        int from = 0;
        while (from < n) {
            int count = n - from;
            buffer.putInt(KvmStructs.Msrs.NMSRS, count);
            for (int i = 0; i < count; i++) {
                long e = KvmStructs.Msrs.ENTRIES + (long) i * KvmStructs.Msrs.ENTRY_SIZE;
                buffer.putInt(e + KvmStructs.Msrs.ENTRY_INDEX, candidates[from + i]);
                buffer.putLong(e + KvmStructs.Msrs.ENTRY_DATA, 0);
            }
            int read = (int) Errno.check(cpu.ioctl(KVM_GET_MSRS, buffer), "ioctl(KVM_GET_MSRS)");
            for (int i = 0; i < read; i++) {
                long e = KvmStructs.Msrs.ENTRIES + (long) i * KvmStructs.Msrs.ENTRY_SIZE;
                int index = buffer.getInt(e + KvmStructs.Msrs.ENTRY_INDEX);
                if (index == MSR_IA32_TSC_DEADLINE) {
                    deadline = kept;
                }
                indices[kept] = index;
                values[kept++] = buffer.getLong(e + KvmStructs.Msrs.ENTRY_DATA);
            }
            from += read + 1; // skip the MSR KVM could not read
        }
        ByteBuffer out = ByteBuffer.allocate(kept * KvmStructs.Msrs.ENTRY_SIZE).order(ByteOrder.nativeOrder());
        for (int i = 0; i < kept; i++) {
            if (i != deadline) {
                putMsr(out, indices[i], values[i]);
            }
        }
        if (deadline >= 0) {
            putMsr(out, indices[deadline], values[deadline]);
        }
        return out.array();
    }

    private static void putMsr(ByteBuffer out, int index, long value) {
        out.putInt(index).putInt(0).putLong(value);
    }

    /**
     * Sets the saved MSRs in their order. KVM_SET_MSRS stops at the first MSR it refuses; one KVM can read but
     * not write for this CPUID (e.g. a paravirtual MSR the guest's CPUID does not offer) is accepted when the
     * vCPU already holds the saved value, and the rest are set after it.
     */
    private static void restoreMsrs(KvmVcpu cpu, byte[] msrs) {
        int n = msrs.length / KvmStructs.Msrs.ENTRY_SIZE;
        NativeMemory buffer =
                cpu.stateBuffer(KvmStructs.Msrs.ENTRIES + (long) Math.max(1, n) * KvmStructs.Msrs.ENTRY_SIZE);
        int from = 0;
        while (from < n) {
            int count = n - from;
            buffer.putInt(KvmStructs.Msrs.NMSRS, count);
            buffer.put(
                    KvmStructs.Msrs.ENTRIES,
                    msrs,
                    from * KvmStructs.Msrs.ENTRY_SIZE,
                    count * KvmStructs.Msrs.ENTRY_SIZE);
            long r = cpu.ioctl(KVM_SET_MSRS, buffer);
            if (r < 0) {
                throw refused(MSRS, Errno.exception("ioctl(KVM_SET_MSRS)", (int) -r));
            }
            if (r == count) {
                return;
            }
            long e = KvmStructs.Msrs.ENTRIES + r * KvmStructs.Msrs.ENTRY_SIZE;
            int index = buffer.getInt(e + KvmStructs.Msrs.ENTRY_INDEX);
            long value = buffer.getLong(e + KvmStructs.Msrs.ENTRY_DATA);
            buffer.putInt(KvmStructs.Msrs.NMSRS, 1);
            buffer.putInt(KvmStructs.Msrs.ENTRIES + KvmStructs.Msrs.ENTRY_INDEX, index);
            buffer.putLong(KvmStructs.Msrs.ENTRIES + KvmStructs.Msrs.ENTRY_DATA, ~value);
            boolean holds = cpu.ioctl(KVM_GET_MSRS, buffer) == 1
                    && buffer.getLong(KvmStructs.Msrs.ENTRIES + KvmStructs.Msrs.ENTRY_DATA) == value;
            if (!holds) {
                throw new IllegalArgumentException(String.format(
                        "state section %s: ioctl(KVM_SET_MSRS) refused MSR 0x%x = 0x%x (%d of %d MSRs set)",
                        MSRS, index, value, from + r, n));
            }
            from += (int) r + 1;
        }
    }

    /**
     * Whether a vCPU has nested virtualization state to save: KVM can hand it out (KVM_CAP_NESTED_STATE) and the
     * guest's CPUID offers VMX or SVM (without either, the guest cannot have started a guest of its own).
     */
    static boolean savesNestedState(Shape shape, List<CpuidEntry> guestCpuid) {
        return shape.nestedStateSize() > 0
                && (CpuModel.offers(guestCpuid, CpuFeature.VMX) || CpuModel.offers(guestCpuid, CpuFeature.SVM));
    }

    /**
     * KVM_GET_NESTED_STATE into a buffer of {@code capacity} bytes (KVM_CAP_NESTED_STATE's answer); the section is
     * as many bytes as KVM says the state has ({@code kvm_nested_state.size}): the 128-byte header alone when the
     * guest is not in VMX/SVM operation.
     */
    private static byte[] saveNestedState(KvmVcpu cpu, int capacity) {
        NativeMemory buffer = cpu.stateBuffer(capacity);
        buffer.putInt(KvmStructs.NestedState.SIZE_FIELD, capacity);
        Errno.check(cpu.ioctl(KVM_GET_NESTED_STATE, buffer), "ioctl(KVM_GET_NESTED_STATE)");
        int size = buffer.getInt(KvmStructs.NestedState.SIZE_FIELD);
        if (size < KvmStructs.NestedState.SIZE || size > capacity) {
            throw new IllegalStateException("ioctl(KVM_GET_NESTED_STATE) reported a state of " + size
                    + " bytes; expected " + KvmStructs.NestedState.SIZE + " to " + capacity);
        }
        return buffer.toArray(0, size);
    }

    /**
     * Refuses a {@value #NESTED} section this host cannot take, before any ioctl: a host without
     * KVM_CAP_NESTED_STATE, a section shorter than the header, one whose {@code size} field disagrees with its
     * length, one larger than this KVM's largest state, or a format other than VMX and SVM. KVM checks the rest.
     *
     * @param capacity KVM_CAP_NESTED_STATE's answer on this host
     */
    static void checkNestedState(byte[] nested, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("state section " + NESTED
                    + " needs ioctl(KVM_SET_NESTED_STATE) (KVM_CAP_NESTED_STATE), which this host's KVM lacks (no"
                    + " nested virtualization): the guest's VMX/SVM state cannot be restored");
        }
        if (nested.length < KvmStructs.NestedState.SIZE) {
            throw new IllegalArgumentException("state section " + NESTED + " is " + nested.length
                    + " bytes, shorter than the " + KvmStructs.NestedState.SIZE + "-byte kvm_nested_state header");
        }
        ByteBuffer in = ByteBuffer.wrap(nested).order(ByteOrder.nativeOrder());
        int size = in.getInt(KvmStructs.NestedState.SIZE_FIELD);
        if (size != nested.length) {
            throw new IllegalArgumentException("state section " + NESTED + " is " + nested.length
                    + " bytes but its kvm_nested_state.size says " + Integer.toUnsignedString(size));
        }
        if (nested.length > capacity) {
            throw new IllegalArgumentException("state section " + NESTED + " is " + nested.length
                    + " bytes; this host's KVM holds at most " + capacity + " (KVM_CAP_NESTED_STATE)");
        }
        int format = Short.toUnsignedInt(in.getShort(KvmStructs.NestedState.FORMAT));
        if (format != KVM_STATE_NESTED_FORMAT_VMX && format != KVM_STATE_NESTED_FORMAT_SVM) {
            throw new IllegalArgumentException("state section " + NESTED + " has format " + format
                    + "; KVM knows VMX (" + KVM_STATE_NESTED_FORMAT_VMX + ") and SVM ("
                    + KVM_STATE_NESTED_FORMAT_SVM + ")");
        }
    }

    /** The {@code kvm_msr_entry} of MSR {@code index} in a {@value #MSRS} section, or null if it holds none. */
    private static byte[] msrEntry(byte[] msrs, int index) {
        int at = msrOffset(msrs, index);
        return at < 0 ? null : Arrays.copyOfRange(msrs, at, at + KvmStructs.Msrs.ENTRY_SIZE);
    }

    /** The TSC ({@code IA32_TSC}) in a {@value #MSRS} section, or -1 if it holds none. */
    static long tsc(byte[] msrs) {
        int at = msrOffset(msrs, MSR_IA32_TSC);
        return at < 0
                ? -1
                : ByteBuffer.wrap(msrs).order(ByteOrder.nativeOrder()).getLong(at + KvmStructs.Msrs.ENTRY_DATA);
    }

    /** Where the {@code kvm_msr_entry} of MSR {@code index} starts in a {@value #MSRS} section, or -1. */
    private static int msrOffset(byte[] msrs, int index) {
        ByteBuffer in = ByteBuffer.wrap(msrs).order(ByteOrder.nativeOrder());
        for (int at = 0; at + KvmStructs.Msrs.ENTRY_SIZE <= msrs.length; at += KvmStructs.Msrs.ENTRY_SIZE) {
            if (in.getInt(at + KvmStructs.Msrs.ENTRY_INDEX) == index) {
                return at;
            }
        }
        return -1;
    }

    private static byte[] get(KvmVcpu cpu, long request, String ioctl, int size) {
        NativeMemory buffer = cpu.stateBuffer(size);
        Errno.check(cpu.ioctl(request, buffer), "ioctl(" + ioctl + ")");
        return buffer.toArray(0, size);
    }

    private static void set(KvmVcpu cpu, long request, String ioctl, String section, byte[] data) {
        NativeMemory buffer = cpu.stateBuffer(data.length);
        buffer.put(0, data, 0, data.length);
        long r = cpu.ioctl(request, buffer);
        if (r < 0) {
            throw refused(section, Errno.exception("ioctl(" + ioctl + ")", (int) -r));
        }
    }

    static IllegalArgumentException refused(String section, RuntimeException cause) {
        return new IllegalArgumentException("state section " + section + " was refused: " + cause.getMessage(), cause);
    }

    /**
     * The bytes of section {@code name}.
     *
     * @param size the size it must have, or -1 for any
     * @throws IllegalArgumentException naming the section if it is missing, repeated or of another size
     */
    static byte[] require(List<StateSection> state, String name, int size) {
        byte[] data = find(state, name, size);
        if (data == null) {
            throw new IllegalArgumentException("state section " + name + " is missing");
        }
        return data;
    }

    /**
     * The bytes of section {@code name}, or null if {@code state} has none.
     *
     * @param size the size it must have, or -1 for any
     * @throws IllegalArgumentException naming the section if it is repeated or of another size
     */
    static byte[] find(List<StateSection> state, String name, int size) {
        StateSection found = null;
        for (StateSection s : state) {
            if (s.name().equals(name)) {
                if (found != null) {
                    throw new IllegalArgumentException("state section " + name + " appears twice");
                }
                found = s;
            }
        }
        if (found == null) {
            return null;
        }
        if (size >= 0 && found.size() != size) {
            throw new IllegalArgumentException(
                    "state section " + name + " is " + found.size() + " bytes; this KVM expects " + size);
        }
        return found.data();
    }

    static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4)
                .order(ByteOrder.nativeOrder())
                .putInt(value)
                .array();
    }

    private static byte[] encodeCpuid(List<CpuidEntry> entries) {
        ByteBuffer out = ByteBuffer.allocate(entries.size() * CPUID_ENTRY_BYTES).order(ByteOrder.nativeOrder());
        for (CpuidEntry c : entries) {
            out.putInt(c.function())
                    .putInt(c.index())
                    .putInt(c.flags())
                    .putInt(c.eax())
                    .putInt(c.ebx())
                    .putInt(c.ecx())
                    .putInt(c.edx());
        }
        return out.array();
    }

    private static List<CpuidEntry> decodeCpuid(byte[] data) {
        int n = data.length / CPUID_ENTRY_BYTES;
        if (n > MAX_CPUID_ENTRIES) {
            throw new IllegalArgumentException(
                    "state section " + CPUID + " holds " + n + " entries; at most " + MAX_CPUID_ENTRIES + " are read");
        }
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        List<CpuidEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(new CpuidEntry(
                    in.getInt(), in.getInt(), in.getInt(), in.getInt(), in.getInt(), in.getInt(), in.getInt()));
        }
        return entries;
    }
}
