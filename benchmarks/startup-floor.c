/*
 * The KVM floor under a start-up measurement: the ioctls vmm4j's Machine makes to set up and tear down a
 * 256 MiB, 1-vCPU VM (create VM, identity map and TSS, in-kernel irqchip, PIT2, one memory slot, one
 * vCPU with its kvm_run mapping; then close), in C with no guest run. Prints the median of N rounds per
 * step in microseconds. With "split" as the second argument, the irqchip is split instead
 * (KVM_CAP_SPLIT_IRQCHIP with 24 IOAPIC routes, no PIT), as vmm4j's Irqchip.SPLIT sets it up.
 * Built and run by startup.sh:  cc -O2 -o floor startup-floor.c && ./floor 21 && ./floor 21 split
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define STEPS 6
static const char *names[STEPS] = {"create VM + irqchip", "memory slot", "vCPU + kvm_run",
                                   "close vCPU", "close VM", "total"};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 21;
    int split = argc > 2 && strcmp(argv[2], "split") == 0;
    size_t mem = 256UL << 20;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) { perror("/dev/kvm"); return 1; }
    long runSize = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    double *t = calloc((size_t)rounds * STEPS, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        int vm = ioctl(kvm, KVM_CREATE_VM, 0);
        uint64_t identity = 0xfffbc000;
        struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
        struct kvm_enable_cap cap = {.cap = KVM_CAP_SPLIT_IRQCHIP, .args = {24}};
        if (vm < 0 || ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity) || ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000)) {
            perror("VM");
            return 1;
        }
        if (split ? ioctl(vm, KVM_ENABLE_CAP, &cap) != 0
                  : ioctl(vm, KVM_CREATE_IRQCHIP, 0) != 0 || ioctl(vm, KVM_CREATE_PIT2, &pit) != 0) {
            perror(split ? "KVM_CAP_SPLIT_IRQCHIP" : "irqchip/PIT");
            return 1;
        }
        double t1 = now();
        void *ram = mmap(0, mem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        struct kvm_userspace_memory_region region = {.slot = 0, .memory_size = mem, .userspace_addr = (uint64_t)ram};
        if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region)) { perror("memory"); return 1; }
        double t2 = now();
        int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
        void *run = mmap(0, runSize, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
        if (vcpu < 0 || run == MAP_FAILED) { perror("vCPU"); return 1; }
        double t3 = now();
        munmap(run, runSize);
        close(vcpu);
        double t4 = now();
        close(vm);
        munmap(ram, mem);
        double t5 = now();
        double *row = t + (size_t)r * STEPS;
        row[0] = t1 - t0; row[1] = t2 - t1; row[2] = t3 - t2; row[3] = t4 - t3; row[4] = t5 - t4; row[5] = t5 - t0;
    }
    double *col = malloc(rounds * sizeof(double));
    for (int s = 0; s < STEPS; s++) {
        for (int r = 0; r < rounds; r++) col[r] = t[(size_t)r * STEPS + s];
        qsort(col, rounds, sizeof(double), cmp);
        printf("| %s%s | %.0f | %.0f | %.0f |\n", split ? "split: " : "", names[s], col[rounds / 2], col[0], col[rounds - 1]);
    }
    return 0;
}
