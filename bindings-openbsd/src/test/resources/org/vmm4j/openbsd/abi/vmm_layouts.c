/*
 * Independent derivation of OpenBSD/amd64 vmm(4) layouts and ioctl numbers for VmmLayoutsCompilerTest.
 * The structs are re-declared here with <stdint.h> types from the field lists of sys/dev/vmm/vmm.h 1.13,
 * sys/dev/vmm/vmm.h 1.3 (7.4) and sys/arch/amd64/include/vmmvar.h 1.117 (see shared/abi/openbsd-vmm.md);
 * paddr_t, vaddr_t and size_t are 64-bit, pid_t is int on OpenBSD/amd64 (LP64), as on Linux/x86-64.
 * Output: one "<abi> <struct> <member|sizeof|ioctl-name> <value>" line per fact.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IOCPARM_MASK 0x1fff
#define IOC_VOID 0x20000000UL
#define IOC_OUT 0x40000000UL
#define IOC_IN 0x80000000UL
#define IOC_INOUT (IOC_IN | IOC_OUT)
#define _IOC(inout, group, num, len) ((inout) | (((len) & IOCPARM_MASK) << 16) | ((group) << 8) | (num))
#define _IOW(g, n, t) _IOC(IOC_IN, (g), (n), sizeof(t))
#define _IOWR(g, n, t) _IOC(IOC_INOUT, (g), (n), sizeof(t))

typedef uint64_t paddr_t;
typedef uint64_t vaddr_t;
typedef uint64_t size_tt;
typedef int32_t pid_tt;

struct vm_mem_range { paddr_t vmr_gpa; vaddr_t vmr_va; size_tt vmr_size; int vmr_type; };
struct vcpu_segment_info { uint16_t vsi_sel; uint32_t vsi_limit; uint32_t vsi_ar; uint64_t vsi_base; };
struct vcpu_reg_state {
    uint64_t vrs_gprs[17 + 1]; uint64_t vrs_crs[9 + 1]; uint64_t vrs_msrs[6 + 1]; uint64_t vrs_drs[5 + 1];
    struct vcpu_segment_info vrs_sregs[7 + 1]; struct vcpu_segment_info vrs_gdtr; struct vcpu_segment_info vrs_idtr;
};
struct vm_exit_inout { uint8_t vei_size, vei_dir, vei_rep, vei_string, vei_encoding; uint16_t vei_port;
    uint32_t vei_data; uint8_t vei_insn_len; };
struct vcpu_inject_event { uint8_t vie_vector; uint32_t vie_errorcode; uint8_t vie_type; };
struct vm_info_result { size_tt vir_memory_size, vir_used_size, vir_ncpus; uint8_t vir_vcpu_state[64];
    pid_tt vir_creator_pid; uint32_t vir_id; char vir_name[64]; };
struct vm_info_params { size_tt vip_size; size_tt vip_info_ct; struct vm_info_result *vip_info; };
struct vm_terminate_params { uint32_t vtp_vm_id; };
struct vm_resetcpu_params { uint32_t vrp_vm_id; uint32_t vrp_vcpu_id; struct vcpu_reg_state vrp_init_state; };
struct vm_intr_params { uint32_t vip_vm_id; uint32_t vip_vcpu_id; uint16_t vip_intr; };
struct vm_rwregs_params { uint32_t vrwp_vm_id; uint32_t vrwp_vcpu_id; uint64_t vrwp_mask; struct vcpu_reg_state vrwp_regs; };
struct vm_rwvmparams_params { uint32_t vpp_vm_id, vpp_vcpu_id, vpp_mask; paddr_t vpp_pvclock_system_gpa;
    uint32_t vpp_pvclock_version; };

/* current (vmm.h 1.13, vmmvar.h 1.117) */
struct cur_vm_create_params { size_tt vcp_nmemranges; size_tt vcp_ncpus; struct vm_mem_range vcp_memranges[16];
    char vcp_name[64]; int vcp_sev; int vcp_seves; uint32_t vcp_id; uint32_t vcp_poscbit; uint32_t vcp_asid[512]; };
struct cur_vm_exit_eptviolation { uint8_t vee_fault_type; uint8_t vee_insn_info; uint8_t vee_insn_len;
    uint8_t vee_insn_bytes[15]; };
struct cur_vm_exit { union { struct vm_exit_inout vei; struct cur_vm_exit_eptviolation vee; };
    struct vcpu_reg_state vrs; int cpl; };
struct cur_vm_run_params { uint32_t vrp_vm_id; uint32_t vrp_vcpu_id; struct vcpu_inject_event vrp_inject;
    uint8_t vrp_intr_pending; struct cur_vm_exit *vrp_exit; uint16_t vrp_exit_reason; uint8_t vrp_irqready; };
struct cur_vm_sharemem_params { uint32_t vsp_vm_id; size_tt vsp_nmemranges; struct vm_mem_range vsp_memranges[16];
    vaddr_t vsp_va[16]; };

/* 7.4 (vmm.h 1.3; run params as in vmmvar.h 1.56) */
struct v74_vm_create_params { size_tt vcp_nmemranges; size_tt vcp_ncpus; struct vm_mem_range vcp_memranges[16];
    char vcp_name[64]; uint32_t vcp_id; };
struct v74_vm_exit_eptviolation { uint8_t vee_fault_type; };
struct v74_vm_exit { union { struct vm_exit_inout vei; struct v74_vm_exit_eptviolation vee; };
    struct vcpu_reg_state vrs; int cpl; };
struct v74_vm_run_params { uint32_t vrp_vm_id; uint32_t vrp_vcpu_id; uint8_t vrp_continue; uint16_t vrp_irq;
    struct v74_vm_exit *vrp_exit; uint16_t vrp_exit_reason; uint8_t vrp_irqready; };
struct v74_vm_sharemem_params { uint32_t vsp_vm_id; size_tt vsp_nmemranges; struct vm_mem_range vsp_memranges[16]; };

#define SZ(abi, s, t) printf("%s %s sizeof %zu\n", abi, s, sizeof(t))
#define OFF(abi, s, t, m) printf("%s %s %s %zu\n", abi, s, #m, offsetof(t, m))
#define IOC(abi, name, v) printf("%s ioctl %s %lu\n", abi, name, (unsigned long)(v))

static void common(const char *a) {
    SZ(a, "vm_mem_range", struct vm_mem_range);
    OFF(a, "vm_mem_range", struct vm_mem_range, vmr_gpa); OFF(a, "vm_mem_range", struct vm_mem_range, vmr_va);
    OFF(a, "vm_mem_range", struct vm_mem_range, vmr_size); OFF(a, "vm_mem_range", struct vm_mem_range, vmr_type);
    SZ(a, "vcpu_segment_info", struct vcpu_segment_info);
    OFF(a, "vcpu_segment_info", struct vcpu_segment_info, vsi_sel);
    OFF(a, "vcpu_segment_info", struct vcpu_segment_info, vsi_limit);
    OFF(a, "vcpu_segment_info", struct vcpu_segment_info, vsi_ar);
    OFF(a, "vcpu_segment_info", struct vcpu_segment_info, vsi_base);
    SZ(a, "vcpu_reg_state", struct vcpu_reg_state);
    OFF(a, "vcpu_reg_state", struct vcpu_reg_state, vrs_gprs); OFF(a, "vcpu_reg_state", struct vcpu_reg_state, vrs_crs);
    OFF(a, "vcpu_reg_state", struct vcpu_reg_state, vrs_msrs); OFF(a, "vcpu_reg_state", struct vcpu_reg_state, vrs_drs);
    OFF(a, "vcpu_reg_state", struct vcpu_reg_state, vrs_sregs); OFF(a, "vcpu_reg_state", struct vcpu_reg_state, vrs_gdtr);
    OFF(a, "vcpu_reg_state", struct vcpu_reg_state, vrs_idtr);
    SZ(a, "vm_exit_inout", struct vm_exit_inout);
    OFF(a, "vm_exit_inout", struct vm_exit_inout, vei_size); OFF(a, "vm_exit_inout", struct vm_exit_inout, vei_dir);
    OFF(a, "vm_exit_inout", struct vm_exit_inout, vei_rep); OFF(a, "vm_exit_inout", struct vm_exit_inout, vei_string);
    OFF(a, "vm_exit_inout", struct vm_exit_inout, vei_encoding); OFF(a, "vm_exit_inout", struct vm_exit_inout, vei_port);
    OFF(a, "vm_exit_inout", struct vm_exit_inout, vei_data); OFF(a, "vm_exit_inout", struct vm_exit_inout, vei_insn_len);
    SZ(a, "vm_info_result", struct vm_info_result);
    OFF(a, "vm_info_result", struct vm_info_result, vir_memory_size);
    OFF(a, "vm_info_result", struct vm_info_result, vir_used_size);
    OFF(a, "vm_info_result", struct vm_info_result, vir_ncpus);
    OFF(a, "vm_info_result", struct vm_info_result, vir_vcpu_state);
    OFF(a, "vm_info_result", struct vm_info_result, vir_creator_pid);
    OFF(a, "vm_info_result", struct vm_info_result, vir_id);
    OFF(a, "vm_info_result", struct vm_info_result, vir_name);
    SZ(a, "vm_info_params", struct vm_info_params);
    OFF(a, "vm_info_params", struct vm_info_params, vip_size);
    OFF(a, "vm_info_params", struct vm_info_params, vip_info_ct);
    OFF(a, "vm_info_params", struct vm_info_params, vip_info);
    SZ(a, "vm_terminate_params", struct vm_terminate_params);
    OFF(a, "vm_terminate_params", struct vm_terminate_params, vtp_vm_id);
    SZ(a, "vm_resetcpu_params", struct vm_resetcpu_params);
    OFF(a, "vm_resetcpu_params", struct vm_resetcpu_params, vrp_vm_id);
    OFF(a, "vm_resetcpu_params", struct vm_resetcpu_params, vrp_vcpu_id);
    OFF(a, "vm_resetcpu_params", struct vm_resetcpu_params, vrp_init_state);
    SZ(a, "vm_intr_params", struct vm_intr_params);
    OFF(a, "vm_intr_params", struct vm_intr_params, vip_vm_id);
    OFF(a, "vm_intr_params", struct vm_intr_params, vip_vcpu_id);
    OFF(a, "vm_intr_params", struct vm_intr_params, vip_intr);
    SZ(a, "vm_rwregs_params", struct vm_rwregs_params);
    OFF(a, "vm_rwregs_params", struct vm_rwregs_params, vrwp_vm_id);
    OFF(a, "vm_rwregs_params", struct vm_rwregs_params, vrwp_vcpu_id);
    OFF(a, "vm_rwregs_params", struct vm_rwregs_params, vrwp_mask);
    OFF(a, "vm_rwregs_params", struct vm_rwregs_params, vrwp_regs);
    SZ(a, "vm_rwvmparams_params", struct vm_rwvmparams_params);
    OFF(a, "vm_rwvmparams_params", struct vm_rwvmparams_params, vpp_vm_id);
    OFF(a, "vm_rwvmparams_params", struct vm_rwvmparams_params, vpp_vcpu_id);
    OFF(a, "vm_rwvmparams_params", struct vm_rwvmparams_params, vpp_mask);
    OFF(a, "vm_rwvmparams_params", struct vm_rwvmparams_params, vpp_pvclock_system_gpa);
    OFF(a, "vm_rwvmparams_params", struct vm_rwvmparams_params, vpp_pvclock_version);
    IOC(a, "VMM_IOC_INFO", _IOWR('V', 3, struct vm_info_params));
    IOC(a, "VMM_IOC_TERM", _IOW('V', 4, struct vm_terminate_params));
    IOC(a, "VMM_IOC_RESETCPU", _IOW('V', 5, struct vm_resetcpu_params));
    IOC(a, "VMM_IOC_INTR", _IOW('V', 6, struct vm_intr_params));
    IOC(a, "VMM_IOC_READREGS", _IOWR('V', 7, struct vm_rwregs_params));
    IOC(a, "VMM_IOC_WRITEREGS", _IOW('V', 8, struct vm_rwregs_params));
    IOC(a, "VMM_IOC_READVMPARAMS", _IOWR('V', 9, struct vm_rwvmparams_params));
    IOC(a, "VMM_IOC_WRITEVMPARAMS", _IOW('V', 10, struct vm_rwvmparams_params));
}

#define VARIANT(a, P, SHAREMEM_DIR) do { \
    common(a); \
    SZ(a, "vm_create_params", struct P##_vm_create_params); \
    OFF(a, "vm_create_params", struct P##_vm_create_params, vcp_nmemranges); \
    OFF(a, "vm_create_params", struct P##_vm_create_params, vcp_ncpus); \
    OFF(a, "vm_create_params", struct P##_vm_create_params, vcp_memranges); \
    OFF(a, "vm_create_params", struct P##_vm_create_params, vcp_memranges[1].vmr_size); \
    OFF(a, "vm_create_params", struct P##_vm_create_params, vcp_name); \
    OFF(a, "vm_create_params", struct P##_vm_create_params, vcp_id); \
    SZ(a, "vm_exit", struct P##_vm_exit); \
    OFF(a, "vm_exit", struct P##_vm_exit, vei); OFF(a, "vm_exit", struct P##_vm_exit, vee); \
    OFF(a, "vm_exit", struct P##_vm_exit, vei.vei_port); OFF(a, "vm_exit", struct P##_vm_exit, vei.vei_data); \
    OFF(a, "vm_exit", struct P##_vm_exit, vei.vei_insn_len); \
    OFF(a, "vm_exit", struct P##_vm_exit, vrs); OFF(a, "vm_exit", struct P##_vm_exit, vrs.vrs_sregs); \
    OFF(a, "vm_exit", struct P##_vm_exit, cpl); \
    SZ(a, "vm_run_params", struct P##_vm_run_params); \
    OFF(a, "vm_run_params", struct P##_vm_run_params, vrp_vm_id); \
    OFF(a, "vm_run_params", struct P##_vm_run_params, vrp_vcpu_id); \
    OFF(a, "vm_run_params", struct P##_vm_run_params, vrp_exit); \
    OFF(a, "vm_run_params", struct P##_vm_run_params, vrp_exit_reason); \
    OFF(a, "vm_run_params", struct P##_vm_run_params, vrp_irqready); \
    SZ(a, "vm_sharemem_params", struct P##_vm_sharemem_params); \
    OFF(a, "vm_sharemem_params", struct P##_vm_sharemem_params, vsp_vm_id); \
    OFF(a, "vm_sharemem_params", struct P##_vm_sharemem_params, vsp_nmemranges); \
    OFF(a, "vm_sharemem_params", struct P##_vm_sharemem_params, vsp_memranges); \
    IOC(a, "VMM_IOC_CREATE", _IOWR('V', 1, struct P##_vm_create_params)); \
    IOC(a, "VMM_IOC_RUN", _IOWR('V', 2, struct P##_vm_run_params)); \
    IOC(a, "VMM_IOC_SHAREMEM", SHAREMEM_DIR('V', 11, struct P##_vm_sharemem_params)); \
} while (0)

int main(void) {
    VARIANT("current", cur, _IOWR);
    OFF("current", "vm_create_params", struct cur_vm_create_params, vcp_sev);
    OFF("current", "vm_create_params", struct cur_vm_create_params, vcp_seves);
    OFF("current", "vm_create_params", struct cur_vm_create_params, vcp_poscbit);
    OFF("current", "vm_create_params", struct cur_vm_create_params, vcp_asid);
    OFF("current", "vm_exit", struct cur_vm_exit, vee.vee_insn_info);
    OFF("current", "vm_exit", struct cur_vm_exit, vee.vee_insn_len);
    OFF("current", "vm_exit", struct cur_vm_exit, vee.vee_insn_bytes);
    OFF("current", "vm_run_params", struct cur_vm_run_params, vrp_inject);
    OFF("current", "vm_run_params", struct cur_vm_run_params, vrp_inject.vie_errorcode);
    OFF("current", "vm_run_params", struct cur_vm_run_params, vrp_inject.vie_type);
    OFF("current", "vm_run_params", struct cur_vm_run_params, vrp_intr_pending);
    OFF("current", "vm_sharemem_params", struct cur_vm_sharemem_params, vsp_va);
    SZ("current", "vcpu_inject_event", struct vcpu_inject_event);
    OFF("current", "vcpu_inject_event", struct vcpu_inject_event, vie_vector);
    OFF("current", "vcpu_inject_event", struct vcpu_inject_event, vie_errorcode);
    OFF("current", "vcpu_inject_event", struct vcpu_inject_event, vie_type);
    VARIANT("7.4", v74, _IOW);
    OFF("7.4", "vm_run_params", struct v74_vm_run_params, vrp_continue);
    OFF("7.4", "vm_run_params", struct v74_vm_run_params, vrp_irq);
    return 0;
}
