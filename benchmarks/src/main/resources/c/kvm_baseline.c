/*
 * C baselines for vmm4j's JMH benchmarks, compiled by the benchmark itself (gcc -O2 -shared) and
 * called through vmm4j's native seam, so C and Java are measured by JMH in the same run, on the same
 * vCPU, with the same guest.
 */
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static struct kvm_run *runs[1024];

/* Runs vCPU `fd` for `n` exits the way a C VMM loop does: KVM_RUN, then decode the exit. */
long vmm4j_c_run_exits(int fd, long n, long mmap_size) {
    if (fd < 0 || fd >= 1024) return -1;
    struct kvm_run *run = runs[fd];
    if (run == NULL) {
        run = mmap(NULL, (size_t) mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (run == MAP_FAILED) return -2;
        runs[fd] = run;
    }
    long sum = 0;
    for (long i = 0; i < n; i++) {
        if (ioctl(fd, KVM_RUN, 0) < 0) return -3;
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            sum += ((uint8_t *) run)[run->io.data_offset];
            break;
        case KVM_EXIT_MMIO:
            sum += run->mmio.data[0];
            break;
        default:
            sum += run->exit_reason;
        }
    }
    return sum;
}

/* Releases the mapping made for `fd`. */
void vmm4j_c_release(int fd, long mmap_size) {
    if (fd >= 0 && fd < 1024 && runs[fd] != NULL) {
        munmap(runs[fd], (size_t) mmap_size);
        runs[fd] = NULL;
    }
}

/* Creates a VM with one vCPU and 2 MiB of memory on an open /dev/kvm, then closes it: the VmLifecycle baseline. */
long vmm4j_c_vm_lifecycle(int kvm, long mmap_size) {
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) return -2;
    size_t size = 2 << 20;
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = size, .userspace_addr = (uint64_t) (uintptr_t) mem };
    long result = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region);
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    void *run = mmap(NULL, (size_t) mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (vcpu < 0 || run == MAP_FAILED) result = -3;
    if (run != MAP_FAILED) munmap(run, (size_t) mmap_size);
    if (vcpu >= 0) close(vcpu);
    close(vm);
    munmap(mem, size);
    return result;
}
