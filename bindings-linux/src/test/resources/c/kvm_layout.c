/* Prints the sizes, offsets and ioctl numbers vmm4j mirrors from <linux/kvm.h>, one "NAME VALUE" per line. */
#include <stddef.h>
#include <stdio.h>
#include <linux/kvm.h>

#define SIZE(t, name) printf("%s %zu\n", name, sizeof(struct t))
#define OFF(t, f, name) printf("%s %zu\n", name, offsetof(struct t, f))
#define NUM(n) printf("%s %lu\n", #n, (unsigned long)(n))

int main(void) {
    OFF(kvm_run, request_interrupt_window, "Run.REQUEST_INTERRUPT_WINDOW");
    OFF(kvm_run, immediate_exit, "Run.IMMEDIATE_EXIT");
    OFF(kvm_run, exit_reason, "Run.EXIT_REASON");
    OFF(kvm_run, ready_for_interrupt_injection, "Run.READY_FOR_INTERRUPT_INJECTION");
    OFF(kvm_run, if_flag, "Run.IF_FLAG");
    OFF(kvm_run, flags, "Run.FLAGS");
    OFF(kvm_run, cr8, "Run.CR8");
    OFF(kvm_run, apic_base, "Run.APIC_BASE");
    OFF(kvm_run, io, "Run.EXIT");
    OFF(kvm_run, io.direction, "Run.IO_DIRECTION");
    OFF(kvm_run, io.size, "Run.IO_SIZE");
    OFF(kvm_run, io.port, "Run.IO_PORT");
    OFF(kvm_run, io.count, "Run.IO_COUNT");
    OFF(kvm_run, io.data_offset, "Run.IO_DATA_OFFSET");
    OFF(kvm_run, mmio.phys_addr, "Run.MMIO_PHYS_ADDR");
    OFF(kvm_run, mmio.data, "Run.MMIO_DATA");
    OFF(kvm_run, mmio.len, "Run.MMIO_LEN");
    OFF(kvm_run, mmio.is_write, "Run.MMIO_IS_WRITE");
    OFF(kvm_run, fail_entry.hardware_entry_failure_reason, "Run.FAIL_ENTRY_HARDWARE_REASON");
    OFF(kvm_run, fail_entry.cpu, "Run.FAIL_ENTRY_CPU");
    OFF(kvm_run, internal.suberror, "Run.INTERNAL_SUBERROR");
    OFF(kvm_run, internal.ndata, "Run.INTERNAL_NDATA");
    OFF(kvm_run, internal.data, "Run.INTERNAL_DATA");
    OFF(kvm_run, system_event.type, "Run.SYSTEM_EVENT_TYPE");
    OFF(kvm_run, eoi.vector, "Run.EOI_VECTOR");
    OFF(kvm_run, system_event.ndata, "Run.SYSTEM_EVENT_NDATA");
    OFF(kvm_run, system_event.data, "Run.SYSTEM_EVENT_DATA");
    OFF(kvm_run, debug.arch.exception, "Run.DEBUG_EXCEPTION");
    OFF(kvm_run, debug.arch.pc, "Run.DEBUG_PC");
    OFF(kvm_run, debug.arch.dr6, "Run.DEBUG_DR6");
    OFF(kvm_run, debug.arch.dr7, "Run.DEBUG_DR7");
    OFF(kvm_run, kvm_valid_regs, "Run.KVM_VALID_REGS");
    OFF(kvm_run, kvm_dirty_regs, "Run.KVM_DIRTY_REGS");
    OFF(kvm_run, s, "Run.S");

    SIZE(kvm_regs, "Regs.SIZE");
    OFF(kvm_regs, rax, "Regs.RAX");
    OFF(kvm_regs, rip, "Regs.RIP");
    OFF(kvm_regs, rflags, "Regs.RFLAGS");

    SIZE(kvm_segment, "SegmentLayout.SIZE");
    OFF(kvm_segment, base, "SegmentLayout.BASE");
    OFF(kvm_segment, limit, "SegmentLayout.LIMIT");
    OFF(kvm_segment, selector, "SegmentLayout.SELECTOR");
    OFF(kvm_segment, type, "SegmentLayout.TYPE");
    OFF(kvm_segment, present, "SegmentLayout.PRESENT");
    OFF(kvm_segment, dpl, "SegmentLayout.DPL");
    OFF(kvm_segment, db, "SegmentLayout.DB");
    OFF(kvm_segment, s, "SegmentLayout.S");
    OFF(kvm_segment, l, "SegmentLayout.L");
    OFF(kvm_segment, g, "SegmentLayout.G");
    OFF(kvm_segment, avl, "SegmentLayout.AVL");
    OFF(kvm_segment, unusable, "SegmentLayout.UNUSABLE");

    SIZE(kvm_dtable, "Dtable.SIZE");
    OFF(kvm_dtable, base, "Dtable.BASE");
    OFF(kvm_dtable, limit, "Dtable.LIMIT");

    SIZE(kvm_sregs, "Sregs.SIZE");
    OFF(kvm_sregs, cs, "Sregs.CS");
    OFF(kvm_sregs, ds, "Sregs.DS");
    OFF(kvm_sregs, es, "Sregs.ES");
    OFF(kvm_sregs, fs, "Sregs.FS");
    OFF(kvm_sregs, gs, "Sregs.GS");
    OFF(kvm_sregs, ss, "Sregs.SS");
    OFF(kvm_sregs, tr, "Sregs.TR");
    OFF(kvm_sregs, ldt, "Sregs.LDT");
    OFF(kvm_sregs, gdt, "Sregs.GDT");
    OFF(kvm_sregs, idt, "Sregs.IDT");
    OFF(kvm_sregs, cr0, "Sregs.CR0");
    OFF(kvm_sregs, cr2, "Sregs.CR2");
    OFF(kvm_sregs, cr3, "Sregs.CR3");
    OFF(kvm_sregs, cr4, "Sregs.CR4");
    OFF(kvm_sregs, cr8, "Sregs.CR8");
    OFF(kvm_sregs, efer, "Sregs.EFER");
    OFF(kvm_sregs, apic_base, "Sregs.APIC_BASE");
    OFF(kvm_sregs, interrupt_bitmap, "Sregs.INTERRUPT_BITMAP");

    SIZE(kvm_fpu, "Fpu.SIZE");
    OFF(kvm_fpu, fpr, "Fpu.FPR");
    OFF(kvm_fpu, fcw, "Fpu.FCW");
    OFF(kvm_fpu, fsw, "Fpu.FSW");
    OFF(kvm_fpu, ftwx, "Fpu.FTWX");
    OFF(kvm_fpu, last_opcode, "Fpu.LAST_OPCODE");
    OFF(kvm_fpu, last_ip, "Fpu.LAST_IP");
    OFF(kvm_fpu, last_dp, "Fpu.LAST_DP");
    OFF(kvm_fpu, xmm, "Fpu.XMM");
    OFF(kvm_fpu, mxcsr, "Fpu.MXCSR");

    SIZE(kvm_msrs, "Msrs.SIZE");
    OFF(kvm_msrs, nmsrs, "Msrs.NMSRS");
    OFF(kvm_msrs, entries, "Msrs.ENTRIES");
    SIZE(kvm_msr_entry, "Msrs.ENTRY_SIZE");
    OFF(kvm_msr_entry, index, "Msrs.ENTRY_INDEX");
    OFF(kvm_msr_entry, data, "Msrs.ENTRY_DATA");
    SIZE(kvm_msr_list, "MsrList.SIZE");
    OFF(kvm_msr_list, nmsrs, "MsrList.NMSRS");
    OFF(kvm_msr_list, indices, "MsrList.INDICES");

    SIZE(kvm_cpuid2, "Cpuid2.SIZE");
    OFF(kvm_cpuid2, nent, "Cpuid2.NENT");
    OFF(kvm_cpuid2, entries, "Cpuid2.ENTRIES");
    SIZE(kvm_cpuid_entry2, "Cpuid2.ENTRY_SIZE");
    OFF(kvm_cpuid_entry2, function, "Cpuid2.ENTRY_FUNCTION");
    OFF(kvm_cpuid_entry2, index, "Cpuid2.ENTRY_INDEX");
    OFF(kvm_cpuid_entry2, flags, "Cpuid2.ENTRY_FLAGS");
    OFF(kvm_cpuid_entry2, eax, "Cpuid2.ENTRY_EAX");
    OFF(kvm_cpuid_entry2, ebx, "Cpuid2.ENTRY_EBX");
    OFF(kvm_cpuid_entry2, ecx, "Cpuid2.ENTRY_ECX");
    OFF(kvm_cpuid_entry2, edx, "Cpuid2.ENTRY_EDX");

    SIZE(kvm_userspace_memory_region, "UserspaceMemoryRegion.SIZE");
    OFF(kvm_userspace_memory_region, slot, "UserspaceMemoryRegion.SLOT");
    OFF(kvm_userspace_memory_region, flags, "UserspaceMemoryRegion.FLAGS");
    OFF(kvm_userspace_memory_region, guest_phys_addr, "UserspaceMemoryRegion.GUEST_PHYS_ADDR");
    OFF(kvm_userspace_memory_region, memory_size, "UserspaceMemoryRegion.MEMORY_SIZE");
    OFF(kvm_userspace_memory_region, userspace_addr, "UserspaceMemoryRegion.USERSPACE_ADDR");

    SIZE(kvm_irq_level, "IrqLevel.SIZE");
    OFF(kvm_irq_level, irq, "IrqLevel.IRQ");
    OFF(kvm_irq_level, level, "IrqLevel.LEVEL");
    SIZE(kvm_enable_cap, "EnableCap.SIZE");
    OFF(kvm_enable_cap, cap, "EnableCap.CAP");
    OFF(kvm_enable_cap, flags, "EnableCap.FLAGS");
    OFF(kvm_enable_cap, args, "EnableCap.ARGS");
    SIZE(kvm_msi, "Msi.SIZE");
    OFF(kvm_msi, address_lo, "Msi.ADDRESS_LO");
    OFF(kvm_msi, address_hi, "Msi.ADDRESS_HI");
    OFF(kvm_msi, data, "Msi.DATA");
    OFF(kvm_msi, flags, "Msi.FLAGS");
    SIZE(kvm_irq_routing, "IrqRouting.SIZE");
    OFF(kvm_irq_routing, nr, "IrqRouting.NR");
    OFF(kvm_irq_routing, flags, "IrqRouting.FLAGS");
    OFF(kvm_irq_routing, entries, "IrqRouting.ENTRIES");
    SIZE(kvm_irq_routing_entry, "IrqRoutingEntry.SIZE");
    OFF(kvm_irq_routing_entry, gsi, "IrqRoutingEntry.GSI");
    OFF(kvm_irq_routing_entry, type, "IrqRoutingEntry.TYPE");
    OFF(kvm_irq_routing_entry, flags, "IrqRoutingEntry.FLAGS");
    OFF(kvm_irq_routing_entry, u.msi.address_lo, "IrqRoutingEntry.MSI_ADDRESS_LO");
    OFF(kvm_irq_routing_entry, u.msi.address_hi, "IrqRoutingEntry.MSI_ADDRESS_HI");
    OFF(kvm_irq_routing_entry, u.msi.data, "IrqRoutingEntry.MSI_DATA");
    SIZE(kvm_pit_config, "PitConfig.SIZE");
    OFF(kvm_pit_config, flags, "PitConfig.FLAGS");
    SIZE(kvm_lapic_state, "LapicState.SIZE");
    OFF(kvm_lapic_state, regs, "LapicState.REGS");
    SIZE(kvm_dirty_log, "DirtyLog.SIZE");
    OFF(kvm_dirty_log, slot, "DirtyLog.SLOT");
    OFF(kvm_dirty_log, dirty_bitmap, "DirtyLog.DIRTY_BITMAP");
    SIZE(kvm_guest_debug, "GuestDebug.SIZE");
    OFF(kvm_guest_debug, control, "GuestDebug.CONTROL");
    OFF(kvm_guest_debug, arch.debugreg, "GuestDebug.ARCH_DEBUGREG");
    SIZE(kvm_mp_state, "MpState.SIZE");
    OFF(kvm_mp_state, mp_state, "MpState.MP_STATE");
    SIZE(kvm_signal_mask, "SignalMask.SIZE");
    OFF(kvm_signal_mask, len, "SignalMask.LEN");
    OFF(kvm_signal_mask, sigset, "SignalMask.SIGSET");

    SIZE(kvm_stats_header, "StatsHeader.SIZE");
    OFF(kvm_stats_header, flags, "StatsHeader.FLAGS");
    OFF(kvm_stats_header, name_size, "StatsHeader.NAME_SIZE");
    OFF(kvm_stats_header, num_desc, "StatsHeader.NUM_DESC");
    OFF(kvm_stats_header, id_offset, "StatsHeader.ID_OFFSET");
    OFF(kvm_stats_header, desc_offset, "StatsHeader.DESC_OFFSET");
    OFF(kvm_stats_header, data_offset, "StatsHeader.DATA_OFFSET");
    SIZE(kvm_stats_desc, "StatsDesc.SIZE");
    OFF(kvm_stats_desc, flags, "StatsDesc.FLAGS");
    OFF(kvm_stats_desc, exponent, "StatsDesc.EXPONENT");
    OFF(kvm_stats_desc, size, "StatsDesc.SIZE_FIELD");
    OFF(kvm_stats_desc, offset, "StatsDesc.OFFSET");
    OFF(kvm_stats_desc, bucket_size, "StatsDesc.BUCKET_SIZE");
    OFF(kvm_stats_desc, name, "StatsDesc.NAME");
    NUM(KVM_STATS_TYPE_MASK); NUM(KVM_STATS_TYPE_CUMULATIVE); NUM(KVM_STATS_TYPE_INSTANT); NUM(KVM_STATS_TYPE_PEAK);
    NUM(KVM_STATS_TYPE_LINEAR_HIST); NUM(KVM_STATS_TYPE_LOG_HIST);
    NUM(KVM_STATS_UNIT_SHIFT); NUM(KVM_STATS_UNIT_MASK); NUM(KVM_STATS_UNIT_NONE); NUM(KVM_STATS_UNIT_BYTES);
    NUM(KVM_STATS_UNIT_SECONDS); NUM(KVM_STATS_UNIT_CYCLES); NUM(KVM_STATS_UNIT_BOOLEAN);
    NUM(KVM_STATS_BASE_SHIFT); NUM(KVM_STATS_BASE_MASK); NUM(KVM_STATS_BASE_POW10); NUM(KVM_STATS_BASE_POW2);
    NUM(KVM_API_VERSION); NUM(KVMIO);
    NUM(KVM_GET_API_VERSION); NUM(KVM_CREATE_VM); NUM(KVM_GET_MSR_INDEX_LIST); NUM(KVM_CHECK_EXTENSION);
    NUM(KVM_GET_VCPU_MMAP_SIZE); NUM(KVM_GET_SUPPORTED_CPUID); NUM(KVM_CREATE_VCPU); NUM(KVM_GET_DIRTY_LOG);
    NUM(KVM_SET_USER_MEMORY_REGION); NUM(KVM_SET_TSS_ADDR); NUM(KVM_SET_IDENTITY_MAP_ADDR);
    NUM(KVM_CREATE_IRQCHIP); NUM(KVM_IRQ_LINE); NUM(KVM_CREATE_PIT2); NUM(KVM_GET_STATS_FD);
    NUM(KVM_ENABLE_CAP); NUM(KVM_SIGNAL_MSI); NUM(KVM_SET_GSI_ROUTING);
    NUM(KVM_CAP_SIGNAL_MSI); NUM(KVM_CAP_IRQ_ROUTING); NUM(KVM_CAP_SPLIT_IRQCHIP);
    NUM(KVM_EXIT_IOAPIC_EOI); NUM(KVM_IRQ_ROUTING_MSI);
    NUM(KVM_RUN); NUM(KVM_GET_REGS); NUM(KVM_SET_REGS); NUM(KVM_GET_SREGS); NUM(KVM_SET_SREGS);
    NUM(KVM_GET_MSRS); NUM(KVM_SET_MSRS); NUM(KVM_SET_SIGNAL_MASK); NUM(KVM_GET_FPU); NUM(KVM_SET_FPU);
    NUM(KVM_GET_LAPIC); NUM(KVM_SET_LAPIC); NUM(KVM_SET_CPUID2); NUM(KVM_GET_CPUID2);
    NUM(KVM_GET_MP_STATE); NUM(KVM_SET_MP_STATE); NUM(KVM_SET_GUEST_DEBUG);
    NUM(KVM_CAP_IRQCHIP); NUM(KVM_CAP_HLT); NUM(KVM_CAP_USER_MEMORY); NUM(KVM_CAP_SET_TSS_ADDR);
    NUM(KVM_CAP_EXT_CPUID); NUM(KVM_CAP_NR_VCPUS); NUM(KVM_CAP_NR_MEMSLOTS); NUM(KVM_CAP_PIT);
    NUM(KVM_CAP_MP_STATE); NUM(KVM_CAP_SYNC_MMU); NUM(KVM_CAP_SET_GUEST_DEBUG); NUM(KVM_CAP_PIT2);
    NUM(KVM_CAP_SET_IDENTITY_MAP_ADDR); NUM(KVM_CAP_MAX_VCPUS); NUM(KVM_CAP_READONLY_MEM);
    NUM(KVM_CAP_MAX_VCPU_ID); NUM(KVM_CAP_IMMEDIATE_EXIT); NUM(KVM_CAP_BINARY_STATS_FD);
    NUM(KVM_EXIT_UNKNOWN); NUM(KVM_EXIT_EXCEPTION); NUM(KVM_EXIT_IO); NUM(KVM_EXIT_HYPERCALL);
    NUM(KVM_EXIT_DEBUG); NUM(KVM_EXIT_HLT); NUM(KVM_EXIT_MMIO); NUM(KVM_EXIT_IRQ_WINDOW_OPEN);
    NUM(KVM_EXIT_SHUTDOWN); NUM(KVM_EXIT_FAIL_ENTRY); NUM(KVM_EXIT_INTR); NUM(KVM_EXIT_INTERNAL_ERROR);
    NUM(KVM_EXIT_SYSTEM_EVENT); NUM(KVM_EXIT_IO_IN); NUM(KVM_EXIT_IO_OUT);
    NUM(KVM_INTERNAL_ERROR_EMULATION); NUM(KVM_INTERNAL_ERROR_SIMUL_EX); NUM(KVM_INTERNAL_ERROR_DELIVERY_EV);
    NUM(KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
    NUM(KVM_SYSTEM_EVENT_SHUTDOWN); NUM(KVM_SYSTEM_EVENT_RESET); NUM(KVM_SYSTEM_EVENT_CRASH);
    NUM(KVM_MEM_LOG_DIRTY_PAGES); NUM(KVM_MEM_READONLY); NUM(KVM_PIT_SPEAKER_DUMMY);
    NUM(KVM_GUESTDBG_ENABLE); NUM(KVM_GUESTDBG_SINGLESTEP);
    NUM(KVM_MP_STATE_RUNNABLE); NUM(KVM_MP_STATE_UNINITIALIZED); NUM(KVM_MP_STATE_INIT_RECEIVED);
    NUM(KVM_MP_STATE_HALTED); NUM(KVM_MP_STATE_SIPI_RECEIVED);
    return 0;
}
