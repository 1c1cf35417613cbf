package org.vmm4j.openbsd;

/**
 * TEST ONLY: the vmm(4) structs the scripted kernel decodes, with offsets worked out by hand from the
 * field lists of {@code shared/abi/openbsd-vmm.md} (vmm.h 1.13 / vmmvar.h 1.117, and vmm.h 1.3 with
 * the 2018 run params and register order for 7.4) by the LP64 rules, and the request numbers from
 * {@code _IOC(dir, 'V', nr, sizeof)}. Written apart from {@code VmmAbi} and {@code VmmVar} on purpose:
 * a layout bug in production code cannot cancel itself out against this double.
 */
final class VmmHeaders {
    // vmm.h / vmmvar.h constants
    static final int VMM_MAX_MEM_RANGES = 16;
    static final int VMM_MAX_NAME_LEN = 64;
    static final int VMM_MAX_VCPUS_PER_VM = 64;
    static final int VM_MEM_RAM = 0;
    static final int VEI_DIR_OUT = 0;
    static final int VEI_DIR_IN = 1;
    static final int VCPU_INJECT_INTR = 1;
    static final int VCPU_STATE_RUNNING = 1;
    static final int VM_RWREGS_GPRS = 0x1;
    static final int VM_RWREGS_SREGS = 0x2;
    static final int VM_RWREGS_CRS = 0x4;
    static final int VM_RWREGS_MSRS = 0x8;
    static final int VM_RWREGS_DRS = 0x10;
    // exit reasons
    static final int VMX_EXIT_INT_WINDOW = 7;
    static final int VMX_EXIT_IO = 30;
    static final int VMX_EXIT_EPT_VIOLATION = 48;
    static final int SVM_VMEXIT_IOIO = 0x7B;
    // register indices, the same in both orders
    static final int GPR_RAX = 0;
    static final int GPR_RIP = 16;
    static final int GPR_RFLAGS = 17;

    /*
     * struct vm_mem_range { paddr_t vmr_gpa; vaddr_t vmr_va; size_t vmr_size; int vmr_type; }:
     * 0, 8, 16, 24; 28 rounded to 8 = 32.
     */
    static final int VMR_GPA = 0;
    static final int VMR_VA = 8;
    static final int VMR_SIZE = 16;
    static final int VMR_TYPE = 24;
    static final int SIZEOF_VM_MEM_RANGE = 32;

    /*
     * struct vm_create_params: size_t vcp_nmemranges 0; size_t vcp_ncpus 8; vcp_memranges[16] 16..528;
     * char vcp_name[64] 528..592; then
     *   current: int vcp_sev 592; int vcp_seves 596; uint32_t vcp_id 600; vcp_poscbit 604;
     *            uint32_t vcp_asid[512] 608..2656; size 2656;
     *   7.4:     uint32_t vcp_id 592; 596 rounded to 8 = 600.
     */
    static final int VCP_NMEMRANGES = 0;
    static final int VCP_NCPUS = 8;
    static final int VCP_MEMRANGES = 16;
    static final int VCP_NAME = 528;

    /*
     * struct vcpu_segment_info { uint16_t vsi_sel 0; uint32_t vsi_limit 4; uint32_t vsi_ar 8;
     * uint64_t vsi_base 16 }: 24.
     * struct vcpu_reg_state: vrs_gprs[18] 0..144; vrs_crs[10] 144..224; vrs_msrs[7] 224..280;
     * vrs_drs[6] 280..328; vrs_sregs[8] 328..520; vrs_gdtr 520; vrs_idtr 544; size 568.
     */
    static final int VRS_GPRS = 0;
    static final int VRS_CRS = 144;
    static final int VRS_MSRS = 224;
    static final int VRS_DRS = 280;
    static final int VRS_SREGS = 328;
    static final int SIZEOF_VCPU_REG_STATE = 568;

    /*
     * struct vm_exit_inout { uint8_t vei_size 0, vei_dir 1, vei_rep 2, vei_string 3, vei_encoding 4;
     * uint16_t vei_port 6; uint32_t vei_data 8; uint8_t vei_insn_len 12 }: 16.
     * struct vm_exit_eptviolation: uint8_t vee_fault_type 0 (current adds vee_insn_info 1,
     * vee_insn_len 2, vee_insn_bytes[15] 3..18).
     */
    static final int VEI_SIZE = 0;
    static final int VEI_DIR = 1;
    static final int VEI_REP = 2;
    static final int VEI_STRING = 3;
    static final int VEI_PORT = 6;
    static final int VEI_DATA = 8;
    static final int VEI_INSN_LEN = 12;
    static final int VEE_FAULT_TYPE = 0;

    /*
     * struct vm_info_result { size_t vir_memory_size 0, vir_used_size 8, vir_ncpus 16;
     * uint8_t vir_vcpu_state[64] 24..88; pid_t vir_creator_pid 88; uint32_t vir_id 92;
     * char vir_name[64] 96..160 }: 160.
     * struct vm_info_params { size_t vip_size 0; size_t vip_info_ct 8; struct vm_info_result *vip_info 16 }.
     */
    static final int VIR_MEMORY_SIZE = 0;
    static final int VIR_USED_SIZE = 8;
    static final int VIR_NCPUS = 16;
    static final int VIR_VCPU_STATE = 24;
    static final int VIR_CREATOR_PID = 88;
    static final int VIR_ID = 92;
    static final int VIR_NAME = 96;
    static final int SIZEOF_VM_INFO_RESULT = 160;
    static final int VIP_SIZE = 0;
    static final int VIP_INFO_CT = 8;
    static final int VIP_INFO = 16;

    /* struct vm_terminate_params { uint32_t vtp_vm_id 0 }: 4. */
    static final int VTP_VM_ID = 0;
    /* struct vm_resetcpu_params { uint32_t vrp_vm_id 0; uint32_t vrp_vcpu_id 4; vrp_init_state 8 }: 576. */
    static final int VRP_RESET_VM_ID = 0;
    static final int VRP_RESET_VCPU_ID = 4;
    static final int VRP_INIT_STATE = 8;
    /* struct vm_intr_params { uint32_t vip_vm_id 0; uint32_t vip_vcpu_id 4; uint16_t vip_intr 8 }: 12. */
    static final int VIP_VM_ID = 0;
    static final int VIP_VCPU_ID = 4;
    static final int VIP_INTR = 8;
    /* struct vm_rwregs_params { uint32_t vrwp_vm_id 0; vrwp_vcpu_id 4; uint64_t vrwp_mask 8; vrwp_regs 16 }: 584. */
    static final int VRWP_VM_ID = 0;
    static final int VRWP_VCPU_ID = 4;
    static final int VRWP_MASK = 8;
    static final int VRWP_REGS = 16;

    static final VmmHeaders CURRENT = new VmmHeaders(true);
    static final VmmHeaders OPENBSD_7_4 = new VmmHeaders(false);

    final boolean current;
    final int sizeofVmCreateParams;
    final int vcpId;
    /*
     * struct vm_run_params: uint32_t vrp_vm_id 0; uint32_t vrp_vcpu_id 4; then
     *   current: struct vcpu_inject_event { uint8_t vie_vector 0; uint32_t vie_errorcode 4;
     *            uint8_t vie_type 8 } (12 bytes) 8..20; uint8_t vrp_intr_pending 20; vrp_exit 24;
     *            uint16_t vrp_exit_reason 32; uint8_t vrp_irqready 34; 35 rounded to 8 = 40.
     *   7.4:     uint8_t vrp_continue 8; uint16_t vrp_irq 10; vrp_exit 16; vrp_exit_reason 24;
     *            vrp_irqready 26; 27 rounded to 8 = 32.
     */
    final int vrpVieVector;
    final int vrpVieType;
    final int vrpIntrPending;
    final int vrpContinue;
    final int vrpIrq;
    final int vrpExit;
    final int vrpExitReason;
    final int vrpIrqready;
    final int sizeofVmRunParams;
    /*
     * struct vm_exit { union { vei; vee } (current 18 bytes -> 20, 7.4 16); struct vcpu_reg_state vrs
     * (aligned to 8: current 24, 7.4 16); int cpl }: current 600, 7.4 592.
     */
    final int vmExitVrs;
    final int sizeofVmExit;

    final long iocCreate;
    final long iocRun;
    final long iocInfo;
    final long iocTerm;
    final long iocResetcpu;
    final long iocIntr;
    final long iocReadregs;
    final long iocWriteregs;

    private VmmHeaders(boolean current) {
        this.current = current;
        sizeofVmCreateParams = current ? 2656 : 600;
        vcpId = current ? 600 : 592;
        vrpVieVector = current ? 8 : -1;
        vrpVieType = current ? 16 : -1;
        vrpIntrPending = current ? 20 : -1;
        vrpContinue = current ? -1 : 8;
        vrpIrq = current ? -1 : 10;
        vrpExit = current ? 24 : 16;
        vrpExitReason = current ? 32 : 24;
        vrpIrqready = current ? 34 : 26;
        sizeofVmRunParams = current ? 40 : 32;
        vmExitVrs = current ? 24 : 16;
        sizeofVmExit = current ? 600 : 592;
        // _IOWR = 0xC0000000, _IOW = 0x80000000; | sizeof << 16 | 'V' << 8 | nr
        iocCreate = current ? 0xCA60_5601L : 0xC258_5601L;
        iocRun = current ? 0xC028_5602L : 0xC020_5602L;
        iocInfo = 0xC018_5603L;
        iocTerm = 0x8004_5604L;
        iocResetcpu = 0x8240_5605L;
        iocIntr = 0x800C_5606L;
        iocReadregs = 0xC248_5607L;
        iocWriteregs = 0x8248_5608L;
    }

    /** By release: 7.4, or current for 7.8 and later. */
    static VmmHeaders forRelease(String release) {
        return release.equals("7.4") ? OPENBSD_7_4 : CURRENT;
    }
}
