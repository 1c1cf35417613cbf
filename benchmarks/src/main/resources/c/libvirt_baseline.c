/*
 * C baselines for the LibvirtCalls benchmark: the libvirt calls vmm4j makes, in a plain C loop,
 * compiled by the benchmark itself (gcc -O2 -shared ... -lvirt) and called through vmm4j's native seam,
 * so C, vmm4j and libvirt-java are measured by JMH in the same run.
 *
 * Each function opens its own test:///default connection on first use and keeps it (and the stock
 * guest "test") for the life of the process, like a C program would; the test driver's state is per
 * connection, so this connection sees the same single running guest as vmm4j's and libvirt-java's.
 */
#include <libvirt/libvirt.h>
#include <stddef.h>

static virConnectPtr conn;
static virDomainPtr dom;

static int open_once(void) {
    if (conn == NULL) {
        conn = virConnectOpen("test:///default");
        if (conn == NULL) return -1;
    }
    if (dom == NULL) {
        dom = virDomainLookupByName(conn, "test");
        if (dom == NULL) return -2;
    }
    return 0;
}

/* virDomainGetInfo `n` times on the stock guest; returns the sum of the vCPU counts. */
long vmm4j_c_getinfo(long n) {
    if (open_once() < 0) return -1;
    long sum = 0;
    virDomainInfo info;
    for (long i = 0; i < n; i++) {
        if (virDomainGetInfo(dom, &info) < 0) return -3;
        sum += info.nrVirtCpu;
    }
    return sum;
}

/*
 * virConnectGetAllDomainStats `n` times with the stats vmm4j's GuestManager.stats asks for, reading
 * every typed parameter once (as decoding does) and freeing the records; returns the parameter count.
 */
long vmm4j_c_all_domain_stats(long n) {
    if (open_once() < 0) return -1;
    unsigned int stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON
            | VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK;
    long sum = 0;
    for (long i = 0; i < n; i++) {
        virDomainStatsRecordPtr *records = NULL;
        int count = virConnectGetAllDomainStats(conn, stats, &records, 0);
        if (count < 0) return -3;
        for (int r = 0; r < count; r++) {
            const char *name = virDomainGetName(records[r]->dom);
            sum += name != NULL && name[0] != '\0';
            for (int p = 0; p < records[r]->nparams; p++) {
                virTypedParameterPtr param = &records[r]->params[p];
                sum += param->type == VIR_TYPED_PARAM_STRING ? param->value.s != NULL : (long) param->value.ul != 0;
            }
        }
        virDomainStatsRecordListFree(records);
    }
    return sum;
}

/* virDomainLookupByName("test") then virDomainFree, `n` times; returns the number found. */
long vmm4j_c_lookup_by_name(long n) {
    if (open_once() < 0) return -1;
    long found = 0;
    for (long i = 0; i < n; i++) {
        virDomainPtr d = virDomainLookupByName(conn, "test");
        if (d == NULL) return -3;
        found++;
        virDomainFree(d);
    }
    return found;
}
