package org.vmm4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.vmm4j.linux.KvmStateTest.assertRefusedBeforeAnyRegister;
import static org.vmm4j.linux.KvmStateTest.byName;
import static org.vmm4j.linux.KvmStateTest.le;
import static org.vmm4j.linux.abi.KvmHeader.KVM_CAP_NESTED_STATE;
import static org.vmm4j.linux.abi.KvmHeader.KVM_CAP_SREGS2;
import static org.vmm4j.linux.abi.KvmHeader.KVM_STATE_NESTED_FORMAT_SVM;
import static org.vmm4j.linux.abi.KvmHeader.KVM_STATE_NESTED_FORMAT_VMX;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.vmm4j.CpuidEntry;
import org.vmm4j.StateSection;
import org.vmm4j.linux.abi.KvmStructs;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.CpuFeature;
import org.vmm4j.x86.CpuModel;
import org.vmm4j.x86.Irqchip;

/**
 * {@code kvm.nested}: saved only where KVM has KVM_CAP_NESTED_STATE and the guest's CPUID offers VMX or SVM,
 * checked before KVM_SET_NESTED_STATE, refused by name on a host without it. The live round trip needs a host whose
 * KVM offers nested virtualization; elsewhere it is skipped with the reason.
 */
@RequiresHost(kvm = true)
class KvmStateNestedTest {
    private static final int LEAF1_ECX_VMX = 1 << 5;
    private static final int EXT_LEAF_ECX_SVM = 1 << 2;

    @AutoClose
    private final TestVms vms = new TestVms();

    @Test
    void nestedStateIsSavedOnlyWithTheCapabilityAndVmxOrSvmInTheGuestsCpuid() {
        List<CpuidEntry> plain =
                List.of(new CpuidEntry(1, 0, 0, 0, 0, 0, 0), new CpuidEntry(0x8000_0001, 0, 0, 0, 0, 0, 0));
        List<CpuidEntry> vmx =
                List.of(new CpuidEntry(1, 0, 0, 0, 0, LEAF1_ECX_VMX, 0), new CpuidEntry(0x8000_0001, 0, 0, 0, 0, 0, 0));
        List<CpuidEntry> svm = List.of(
                new CpuidEntry(1, 0, 0, 0, 0, 0, 0), new CpuidEntry(0x8000_0001, 0, 0, 0, 0, EXT_LEAF_ECX_SVM, 0));
        assertTrue(CpuModel.offers(vmx, CpuFeature.VMX) && CpuModel.offers(svm, CpuFeature.SVM), "the bits used");
        KvmVcpuState.Shape with = shape(false, 0x5080);
        KvmVcpuState.Shape without = shape(false, 0);
        assertFalse(KvmVcpuState.savesNestedState(with, plain), "no VMX or SVM: the guest runs no guest");
        assertTrue(KvmVcpuState.savesNestedState(with, vmx));
        assertTrue(KvmVcpuState.savesNestedState(with, svm));
        assertFalse(KvmVcpuState.savesNestedState(without, vmx), "KVM cannot hand the state out");
    }

    @Test
    void aGuestWithoutVmxOrSvmOrAHostWithoutTheCapabilitySavesNoNestedSection() {
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu)
                vm.x86().createBootVcpu(0, 1, CpuModel.host().apply(vm.x86().supportedCpuid()));
        List<CpuidEntry> cpuid = cpu.cpuid();
        boolean expected = vms.kvm().checkExtension(KVM_CAP_NESTED_STATE) > 0
                && (CpuModel.offers(cpuid, CpuFeature.VMX) || CpuModel.offers(cpuid, CpuFeature.SVM));
        Map<String, byte[]> state = byName(vm.x86().saveVcpuState(cpu));
        assertEquals(expected, state.containsKey("kvm.nested"), state.keySet().toString());

        KvmVm plainVm = vms.prepared(Irqchip.KERNEL);
        List<CpuidEntry> noVmx =
                CpuModel.parse("host,-vmx,-svm").apply(plainVm.x86().supportedCpuid());
        KvmVcpu plain = (KvmVcpu) plainVm.x86().createBootVcpu(0, 1, noVmx);
        assertFalse(byName(plainVm.x86().saveVcpuState(plain)).containsKey("kvm.nested"), "CPUID without VMX or SVM");
    }

    @Test
    void aHostWithoutNestedStateRefusesTheSectionNamingTheIoctlBeforeSettingAnything() {
        KvmVm vm = vms.prepared(Irqchip.KERNEL);
        KvmVcpu cpu = (KvmVcpu) vm.x86().createBootVcpu(0, 1);
        Map<String, byte[]> state = byName(vm.x86().saveVcpuState(cpu));
        state.put("kvm.nested", header(KvmStructs.NestedState.SIZE, KVM_STATE_NESTED_FORMAT_VMX));
        assertRefusedBeforeAnyRegister(
                cpu, shape(hasSregs2(), 0), state, "kvm.nested", "KVM_SET_NESTED_STATE", "KVM_CAP_NESTED_STATE");
    }

    @Test
    void sectionsKvmCouldNotTakeAreRefusedBeforeTheIoctl() {
        int capacity = 0x5080;
        assertRefused(new byte[64], capacity, "64 bytes, shorter than the 128-byte kvm_nested_state header");
        byte[] lying = header(KvmStructs.NestedState.SIZE, KVM_STATE_NESTED_FORMAT_VMX);
        le(lying).putInt(KvmStructs.NestedState.SIZE_FIELD, 4096);
        assertRefused(lying, capacity, "128 bytes but its kvm_nested_state.size says 4096");
        assertRefused(
                header(capacity + 8, KVM_STATE_NESTED_FORMAT_SVM),
                capacity,
                "holds at most " + capacity + " (KVM_CAP_NESTED_STATE)");
        assertRefused(header(KvmStructs.NestedState.SIZE, 7), capacity, "has format 7");
        assertRefused(header(KvmStructs.NestedState.SIZE, 0), 0, "this host's KVM lacks");
        KvmVcpuState.checkNestedState(
                header(KvmStructs.NestedState.SIZE + 4096, KVM_STATE_NESTED_FORMAT_VMX), capacity);
        KvmVcpuState.checkNestedState(header(KvmStructs.NestedState.SIZE, KVM_STATE_NESTED_FORMAT_SVM), capacity);
    }

    @Test
    void aNestedCapableGuestsStateRoundTripsIntoAnotherVm() {
        int capacity = vms.kvm().checkExtension(KVM_CAP_NESTED_STATE);
        assumeTrue(capacity > 0, "this host's KVM has no KVM_CAP_NESTED_STATE (no nested virtualization)");
        KvmVm first = vms.prepared(Irqchip.KERNEL);
        List<CpuidEntry> cpuid = CpuModel.host().apply(first.x86().supportedCpuid());
        assumeTrue(
                CpuModel.offers(cpuid, CpuFeature.VMX) || CpuModel.offers(cpuid, CpuFeature.SVM),
                "KVM offers no VMX or SVM to its guests here");
        KvmVcpu cpu = (KvmVcpu) first.x86().createBootVcpu(0, 1, cpuid);
        List<StateSection> state = first.x86().saveVcpuState(cpu);
        byte[] nested = byName(state).get("kvm.nested");
        assertTrue(
                nested != null && nested.length >= KvmStructs.NestedState.SIZE,
                byName(state).keySet().toString());
        int format = le(nested).getShort(KvmStructs.NestedState.FORMAT);
        assertEquals(
                CpuModel.offers(cpuid, CpuFeature.VMX) ? KVM_STATE_NESTED_FORMAT_VMX : KVM_STATE_NESTED_FORMAT_SVM,
                format);
        assertEquals(nested.length, le(nested).getInt(KvmStructs.NestedState.SIZE_FIELD));

        KvmVm second = vms.prepared(Irqchip.KERNEL);
        KvmVcpu copy = second.createVcpu(0);
        second.x86().restoreVcpuState(copy, state);
        assertArrayEquals(nested, byName(second.x86().saveVcpuState(copy)).get("kvm.nested"));
    }

    private static void assertRefused(byte[] nested, int capacity, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> KvmVcpuState.checkNestedState(nested, capacity));
        assertTrue(e.getMessage().contains("kvm.nested") && e.getMessage().contains(expected), e.getMessage());
    }

    /** A kvm_nested_state of {@code size} bytes: no flags, {@code format}, its size; the rest zero. */
    private static byte[] header(int size, int format) {
        byte[] b = new byte[size];
        ByteBuffer.wrap(b)
                .order(ByteOrder.nativeOrder())
                .putShort(KvmStructs.NestedState.FORMAT, (short) format)
                .putInt(KvmStructs.NestedState.SIZE_FIELD, size);
        return b;
    }

    private boolean hasSregs2() {
        return vms.kvm().checkExtension(KVM_CAP_SREGS2) > 0;
    }

    private KvmVcpuState.Shape shape(boolean sregs2, int nestedStateSize) {
        return KvmStateTest.shape(vms.kvm(), sregs2, nestedStateSize);
    }
}
