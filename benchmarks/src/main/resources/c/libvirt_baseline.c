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
#include <stdlib.h>
#include <string.h>

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
 * What a C program keeps of one stats record: the typed figures vmm4j's GuestStats carries (vCPU,
 * interface and disk rows up to ROWS each), with the name and string values copied, since the
 * records are freed after decoding. vmm4j additionally keeps every parameter in a raw map; this does not.
 */
#define ROWS 16
struct row { char *name, *path; long long n[8]; };
struct stats {
    char *name;
    long long state, reason, cpu_time, balloon_current, balloon_maximum, vcpu_current, vcpu_maximum;
    long long net_count, block_count, vcpu_state[ROWS], vcpu_time[ROWS];
    struct row net[ROWS], block[ROWS];
};

static const char *const NET_FIELDS[] = {"rx.bytes", "rx.pkts", "rx.errs", "rx.drop", "tx.bytes", "tx.pkts",
                                         "tx.errs", "tx.drop", NULL};
static const char *const BLOCK_FIELDS[] = {"rd.reqs", "rd.bytes", "wr.reqs", "wr.bytes", "capacity", "allocation",
                                           NULL};

static long long number(const virTypedParameter *p) {
    switch (p->type) {
    case VIR_TYPED_PARAM_INT: return p->value.i;
    case VIR_TYPED_PARAM_UINT: return p->value.ui;
    case VIR_TYPED_PARAM_LLONG: return p->value.l;
    case VIR_TYPED_PARAM_ULLONG: return (long long) p->value.ul;
    case VIR_TYPED_PARAM_DOUBLE: return (long long) p->value.d;
    default: return -1;
    }
}

/* "<group>.<index>.<field>": the row and the field, or NULL. */
static struct row *indexed(struct stats *s, const char *name, const char **field, long long **vcpu) {
    const char *rest;
    struct row *rows = NULL;
    *vcpu = NULL;
    if (strncmp(name, "vcpu.", 5) == 0) rest = name + 5;
    else if (strncmp(name, "net.", 4) == 0) { rest = name + 4; rows = s->net; }
    else if (strncmp(name, "block.", 6) == 0) { rest = name + 6; rows = s->block; }
    else return NULL;
    char *end;
    unsigned long i = strtoul(rest, &end, 10);
    if (end == rest || *end != '.' || i >= ROWS) return NULL;
    *field = end + 1;
    if (rows == NULL) {
        *vcpu = strcmp(*field, "state") == 0 ? &s->vcpu_state[i] : strcmp(*field, "time") == 0 ? &s->vcpu_time[i] : NULL;
        return NULL;
    }
    return &rows[i];
}

static void decode(struct stats *s, const char *name, const virTypedParameter *params, int count) {
    memset(s, 0, sizeof(*s));
    s->balloon_current = s->balloon_maximum = s->vcpu_current = s->vcpu_maximum = -1;
    memset(s->vcpu_state, 0xff, sizeof(s->vcpu_state));
    memset(s->net, 0xff, sizeof(s->net));
    memset(s->block, 0xff, sizeof(s->block));
    for (int r = 0; r < ROWS; r++) s->net[r].name = s->net[r].path = s->block[r].name = s->block[r].path = NULL;
    s->name = strdup(name);
    for (int i = 0; i < count; i++) {
        const virTypedParameter *p = &params[i];
        const char *f = p->field, *field;
        long long *vcpu;
        struct row *row;
        if (strcmp(f, "state.state") == 0) s->state = number(p);
        else if (strcmp(f, "state.reason") == 0) s->reason = number(p);
        else if (strcmp(f, "cpu.time") == 0) s->cpu_time = number(p);
        else if (strcmp(f, "balloon.current") == 0) s->balloon_current = number(p);
        else if (strcmp(f, "balloon.maximum") == 0) s->balloon_maximum = number(p);
        else if (strcmp(f, "vcpu.current") == 0) s->vcpu_current = number(p);
        else if (strcmp(f, "vcpu.maximum") == 0) s->vcpu_maximum = number(p);
        else if (strcmp(f, "net.count") == 0) s->net_count = number(p);
        else if (strcmp(f, "block.count") == 0) s->block_count = number(p);
        else if ((row = indexed(s, f, &field, &vcpu)) != NULL) {
            if (p->type == VIR_TYPED_PARAM_STRING) {
                char **to = strcmp(field, "name") == 0 ? &row->name : strcmp(field, "path") == 0 ? &row->path : NULL;
                if (to != NULL && p->value.s != NULL) { free(*to); *to = strdup(p->value.s); }
            } else {
                const char *const *names = row >= s->block && row < s->block + ROWS ? BLOCK_FIELDS : NET_FIELDS;
                for (int k = 0; names[k] != NULL; k++) {
                    if (strcmp(field, names[k]) == 0) { row->n[k] = number(p); break; }
                }
            }
        } else if (vcpu != NULL) *vcpu = number(p);
    }
}

static void release(struct stats *s) {
    free(s->name);
    for (int r = 0; r < ROWS; r++) {
        free(s->net[r].name); free(s->net[r].path); free(s->block[r].name); free(s->block[r].path);
    }
}

/*
 * virConnectGetAllDomainStats `n` times with the stats vmm4j's GuestManager.stats asks for, each
 * record decoded into a struct stats (name and strings copied) and released, and the records freed;
 * returns the sum of the decoded states.
 */
long vmm4j_c_all_domain_stats(long n) {
    if (open_once() < 0) return -1;
    unsigned int stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON
            | VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK;
    long sum = 0;
    struct stats decoded;
    for (long i = 0; i < n; i++) {
        virDomainStatsRecordPtr *records = NULL;
        int count = virConnectGetAllDomainStats(conn, stats, &records, 0);
        if (count < 0) return -3;
        for (int r = 0; r < count; r++) {
            const char *name = virDomainGetName(records[r]->dom);
            if (name == NULL) return -4;
            decode(&decoded, name, records[r]->params, records[r]->nparams);
            sum += decoded.state;
            release(&decoded);
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
