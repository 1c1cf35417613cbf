/*
 * Independent derivation of vmd's control-protocol numbers and payload layouts (OpenBSD/amd64) for
 * VmdProtocolCompilerTest: enums copied in declaration order from usr.sbin/vmd/proc.h 1.23 and
 * vmd.h 1.140 (shared/abi/openbsd-vmm.md O.4), structs re-declared with <stdint.h> types.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { IMSG_NONE, IMSG_CTL_OK, IMSG_CTL_FAIL, IMSG_CTL_VERBOSE, IMSG_CTL_END, IMSG_CTL_RESET, IMSG_CTL_PROCFD,
       IMSG_PROC_MAX };
enum imsg_type {
    IMSG_VMDOP_START_VM_REQUEST = IMSG_PROC_MAX, IMSG_VMDOP_START_VM_CDROM, IMSG_VMDOP_START_VM_DISK,
    IMSG_VMDOP_START_VM_IF, IMSG_VMDOP_START_VM_END, IMSG_VMDOP_START_VM_RESPONSE, IMSG_VMDOP_PAUSE_VM,
    IMSG_VMDOP_PAUSE_VM_RESPONSE, IMSG_VMDOP_UNPAUSE_VM, IMSG_VMDOP_UNPAUSE_VM_RESPONSE, IMSG_VMDOP_WAIT_VM_REQUEST,
    IMSG_VMDOP_TERMINATE_VM_REQUEST, IMSG_VMDOP_TERMINATE_VM_RESPONSE, IMSG_VMDOP_TERMINATE_VM_EVENT,
    IMSG_VMDOP_GET_INFO_VM_REQUEST, IMSG_VMDOP_GET_INFO_VM_DATA, IMSG_VMDOP_GET_INFO_VM_END_DATA, IMSG_VMDOP_LOAD,
    IMSG_VMDOP_RECEIVE_VMM_FD, IMSG_VMDOP_RECEIVE_PSP_FD, IMSG_VMDOP_RELOAD
};

struct vm_mem_range { uint64_t vmr_gpa; uint64_t vmr_va; uint64_t vmr_size; int vmr_type; };
struct vm_create_params { uint64_t vcp_nmemranges; uint64_t vcp_ncpus; struct vm_mem_range vcp_memranges[16];
    char vcp_name[64]; int vcp_sev; int vcp_seves; uint32_t vcp_id; uint32_t vcp_poscbit; uint32_t vcp_asid[512]; };
struct vm_info_result { uint64_t vir_memory_size, vir_used_size, vir_ncpus; uint8_t vir_vcpu_state[64];
    int32_t vir_creator_pid; uint32_t vir_id; char vir_name[64]; };
struct vmop_result { int vmr_result; uint32_t vmr_id; int32_t vmr_pid; char vmr_ttyname[16]; };
struct vmop_info_result { struct vm_info_result vir_info; char vir_ttyname[16]; uint32_t vir_uid; int64_t vir_gid;
    unsigned int vir_state; };
struct vmop_id { uint32_t vid_id; char vid_name[64]; uint32_t vid_uid; unsigned int vid_flags; };
struct vmop_owner { uint32_t uid; int64_t gid; };
struct vmop_create_params {
    struct vm_create_params vmc_params; unsigned int vmc_flags; unsigned int vmc_checkaccess;
    unsigned int vmc_bootdevice; unsigned int vmc_ifflags[4]; uint64_t vmc_ndisks; char vmc_disks[4][1024];
    unsigned int vmc_disktypes[4]; unsigned int vmc_diskbases[4]; char vmc_cdrom[1024]; int vmc_kernel;
    uint64_t vmc_nnics; char vmc_ifnames[4][16]; char vmc_ifswitch[4][64]; char vmc_ifgroup[4][16];
    unsigned int vmc_ifrdomain[4]; uint8_t vmc_macs[4][6]; struct vmop_owner vmc_owner; char vmc_instance[64];
    struct vmop_owner vmc_insowner; unsigned int vmc_insflags; };

#define T(n) printf("type %s %d\n", #n, (int)(n))
#define SZ(t) printf("%s sizeof %zu\n", #t, sizeof(struct t))
#define OFF(t, m) printf("%s %s %zu\n", #t, #m, offsetof(struct t, m))

int main(void) {
    T(IMSG_CTL_FAIL); T(IMSG_CTL_RESET); T(IMSG_PROC_MAX);
    T(IMSG_VMDOP_START_VM_REQUEST); T(IMSG_VMDOP_START_VM_RESPONSE); T(IMSG_VMDOP_PAUSE_VM);
    T(IMSG_VMDOP_PAUSE_VM_RESPONSE); T(IMSG_VMDOP_UNPAUSE_VM); T(IMSG_VMDOP_UNPAUSE_VM_RESPONSE);
    T(IMSG_VMDOP_WAIT_VM_REQUEST); T(IMSG_VMDOP_TERMINATE_VM_REQUEST); T(IMSG_VMDOP_TERMINATE_VM_RESPONSE);
    T(IMSG_VMDOP_TERMINATE_VM_EVENT); T(IMSG_VMDOP_GET_INFO_VM_REQUEST); T(IMSG_VMDOP_GET_INFO_VM_DATA);
    T(IMSG_VMDOP_GET_INFO_VM_END_DATA); T(IMSG_VMDOP_LOAD); T(IMSG_VMDOP_RELOAD);
    SZ(vmop_result); OFF(vmop_result, vmr_result); OFF(vmop_result, vmr_id); OFF(vmop_result, vmr_pid);
    OFF(vmop_result, vmr_ttyname);
    SZ(vmop_info_result); OFF(vmop_info_result, vir_info); OFF(vmop_info_result, vir_ttyname);
    OFF(vmop_info_result, vir_uid); OFF(vmop_info_result, vir_gid); OFF(vmop_info_result, vir_state);
    SZ(vmop_id); OFF(vmop_id, vid_id); OFF(vmop_id, vid_name); OFF(vmop_id, vid_uid); OFF(vmop_id, vid_flags);
    SZ(vmop_owner); OFF(vmop_owner, uid); OFF(vmop_owner, gid);
    SZ(vmop_create_params);
    OFF(vmop_create_params, vmc_params); OFF(vmop_create_params, vmc_flags); OFF(vmop_create_params, vmc_checkaccess);
    OFF(vmop_create_params, vmc_bootdevice); OFF(vmop_create_params, vmc_ifflags); OFF(vmop_create_params, vmc_ndisks);
    OFF(vmop_create_params, vmc_disks); OFF(vmop_create_params, vmc_disktypes); OFF(vmop_create_params, vmc_diskbases);
    OFF(vmop_create_params, vmc_cdrom); OFF(vmop_create_params, vmc_kernel); OFF(vmop_create_params, vmc_nnics);
    OFF(vmop_create_params, vmc_ifnames); OFF(vmop_create_params, vmc_ifswitch); OFF(vmop_create_params, vmc_ifgroup);
    OFF(vmop_create_params, vmc_ifrdomain); OFF(vmop_create_params, vmc_macs); OFF(vmop_create_params, vmc_owner);
    OFF(vmop_create_params, vmc_instance); OFF(vmop_create_params, vmc_insowner);
    OFF(vmop_create_params, vmc_insflags);
    return 0;
}
