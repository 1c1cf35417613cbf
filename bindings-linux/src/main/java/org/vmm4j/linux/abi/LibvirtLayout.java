package org.vmm4j.linux.abi;

/**
 * Struct layouts and enum values from {@code <libvirt/libvirt.h>} (libvirt 9.0, x86-64 LP64), as
 * named offsets and sizes. {@code LibvirtLayoutTest} compares every one with the C compiler's answer.
 */
public final class LibvirtLayout {
    private LibvirtLayout() {}

    // struct _virDomainInfo (libvirt-domain.h)
    public static final long DOMAIN_INFO_SIZE = 40;
    public static final long DOMAIN_INFO_STATE = 0; // unsigned char
    public static final long DOMAIN_INFO_MAX_MEM = 8; // unsigned long, KiB
    public static final long DOMAIN_INFO_MEMORY = 16; // unsigned long, KiB
    public static final long DOMAIN_INFO_NR_VIRT_CPU = 24; // unsigned short
    public static final long DOMAIN_INFO_CPU_TIME = 32; // unsigned long long, ns

    // struct _virTypedParameter (libvirt-common.h)
    public static final long TYPED_PARAM_SIZE = 96;
    public static final long TYPED_PARAM_FIELD = 0; // char[VIR_TYPED_PARAM_FIELD_LENGTH]
    public static final int TYPED_PARAM_FIELD_LENGTH = 80;
    public static final long TYPED_PARAM_TYPE = 80; // int
    public static final long TYPED_PARAM_VALUE = 88; // union

    public static final int TYPED_PARAM_INT = 1;
    public static final int TYPED_PARAM_UINT = 2;
    public static final int TYPED_PARAM_LLONG = 3;
    public static final int TYPED_PARAM_ULLONG = 4;
    public static final int TYPED_PARAM_DOUBLE = 5;
    public static final int TYPED_PARAM_BOOLEAN = 6;
    public static final int TYPED_PARAM_STRING = 7;

    // struct _virDomainStatsRecord (libvirt-domain.h)
    public static final long STATS_RECORD_SIZE = 24;
    public static final long STATS_RECORD_DOM = 0;
    public static final long STATS_RECORD_PARAMS = 8;
    public static final long STATS_RECORD_NPARAMS = 16;

    // struct _virNetworkDHCPLease (libvirt-network.h)
    public static final long DHCP_LEASE_SIZE = 72;
    public static final long DHCP_LEASE_IFACE = 0;
    public static final long DHCP_LEASE_EXPIRYTIME = 8;
    public static final long DHCP_LEASE_TYPE = 16;
    public static final long DHCP_LEASE_MAC = 24;
    public static final long DHCP_LEASE_IAID = 32;
    public static final long DHCP_LEASE_IPADDR = 40;
    public static final long DHCP_LEASE_PREFIX = 48;
    public static final long DHCP_LEASE_HOSTNAME = 56;
    public static final long DHCP_LEASE_CLIENTID = 64;

    // struct _virDomainInterface and _virDomainIPAddress (libvirt-domain.h)
    public static final long DOMAIN_INTERFACE_SIZE = 32;
    public static final long DOMAIN_INTERFACE_NAME = 0;
    public static final long DOMAIN_INTERFACE_HWADDR = 8;
    public static final long DOMAIN_INTERFACE_NADDRS = 16;
    public static final long DOMAIN_INTERFACE_ADDRS = 24;
    public static final long IP_ADDRESS_SIZE = 24;
    public static final long IP_ADDRESS_TYPE = 0;
    public static final long IP_ADDRESS_ADDR = 8;
    public static final long IP_ADDRESS_PREFIX = 16;

    // struct _virError (virterror.h): only the leading fields vmm4j reads
    public static final long ERROR_CODE = 0;
    public static final long ERROR_DOMAIN = 4;
    public static final long ERROR_MESSAGE = 8;

    // struct _virConnectCredential and _virConnectAuth (libvirt-host.h)
    public static final long CREDENTIAL_SIZE = 48;
    public static final long CREDENTIAL_TYPE = 0;
    public static final long CREDENTIAL_PROMPT = 8;
    public static final long CREDENTIAL_CHALLENGE = 16;
    public static final long CREDENTIAL_DEFRESULT = 24;
    public static final long CREDENTIAL_RESULT = 32;
    public static final long CREDENTIAL_RESULTLEN = 40;
    public static final long AUTH_SIZE = 32;
    public static final long AUTH_CREDTYPE = 0;
    public static final long AUTH_NCREDTYPE = 8;
    public static final long AUTH_CB = 16;
    public static final long AUTH_CBDATA = 24;

    // struct _virStorageVolInfo (libvirt-storage.h)
    public static final long VOL_INFO_SIZE = 24;
    public static final long VOL_INFO_TYPE = 0;
    public static final long VOL_INFO_CAPACITY = 8;
    public static final long VOL_INFO_ALLOCATION = 16;

    /** VIR_UUID_STRING_BUFLEN. */
    public static final int UUID_STRING_BUFLEN = 37;

    // virDomainState
    public static final int DOMAIN_NOSTATE = 0;
    public static final int DOMAIN_RUNNING = 1;
    public static final int DOMAIN_BLOCKED = 2;
    public static final int DOMAIN_PAUSED = 3;
    public static final int DOMAIN_SHUTDOWN = 4;
    public static final int DOMAIN_SHUTOFF = 5;
    public static final int DOMAIN_CRASHED = 6;
    public static final int DOMAIN_PMSUSPENDED = 7;

    // virConnectListAllDomainsFlags
    public static final int LIST_DOMAINS_ACTIVE = 1;
    public static final int LIST_DOMAINS_INACTIVE = 1 << 1;

    // virDomainModificationImpact
    public static final int AFFECT_LIVE = 1;
    public static final int AFFECT_CONFIG = 1 << 1;
    public static final int MEM_MAXIMUM = 1 << 2;
    public static final int VCPU_MAXIMUM = 1 << 2;

    // virDomainUndefineFlagsValues
    public static final int UNDEFINE_MANAGED_SAVE = 1;
    public static final int UNDEFINE_SNAPSHOTS_METADATA = 1 << 1;
    public static final int UNDEFINE_NVRAM = 1 << 2;
    public static final int UNDEFINE_CHECKPOINTS_METADATA = 1 << 4;

    // virDomainSnapshotCreateFlags / DeleteFlags
    public static final int SNAPSHOT_CREATE_DISK_ONLY = 1 << 4;
    public static final int SNAPSHOT_CREATE_ATOMIC = 1 << 7;

    // virDomainStatsTypes
    public static final int STATS_STATE = 1;
    public static final int STATS_CPU_TOTAL = 1 << 1;
    public static final int STATS_BALLOON = 1 << 2;
    public static final int STATS_VCPU = 1 << 3;
    public static final int STATS_INTERFACE = 1 << 4;
    public static final int STATS_BLOCK = 1 << 5;

    // virDomainEventID and virDomainEventType
    public static final int EVENT_ID_LIFECYCLE = 0;
    public static final int EVENT_ID_REBOOT = 1;
    public static final int EVENT_DEFINED = 0;
    public static final int EVENT_UNDEFINED = 1;
    public static final int EVENT_STARTED = 2;
    public static final int EVENT_SUSPENDED = 3;
    public static final int EVENT_RESUMED = 4;
    public static final int EVENT_STOPPED = 5;
    public static final int EVENT_SHUTDOWN = 6;
    public static final int EVENT_PMSUSPENDED = 7;
    public static final int EVENT_CRASHED = 8;

    // virDomainConsoleFlags (libvirt-domain.h)
    public static final int DOMAIN_CONSOLE_FORCE = 1;
    public static final int DOMAIN_CONSOLE_SAFE = 1 << 1;

    // virStreamFlags and virStreamEventType (libvirt-stream.h)
    public static final int STREAM_NONBLOCK = 1;
    public static final int STREAM_EVENT_READABLE = 1;
    public static final int STREAM_EVENT_WRITABLE = 1 << 1;
    public static final int STREAM_EVENT_ERROR = 1 << 2;
    public static final int STREAM_EVENT_HANGUP = 1 << 3;

    // virDomainInterfaceAddressesSource
    public static final int ADDRESSES_SRC_LEASE = 0;
    public static final int ADDRESSES_SRC_AGENT = 1;
    public static final int ADDRESSES_SRC_ARP = 2;

    // virIPAddrType
    public static final int IP_ADDR_TYPE_IPV4 = 0;
    public static final int IP_ADDR_TYPE_IPV6 = 1;

    // virConnectCredentialType
    public static final int CRED_USERNAME = 1;
    public static final int CRED_AUTHNAME = 2;
    public static final int CRED_PASSPHRASE = 5;
    public static final int CRED_ECHOPROMPT = 6;
    public static final int CRED_NOECHOPROMPT = 7;
    public static final int CRED_EXTERNAL = 9;
}
