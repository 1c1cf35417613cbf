package org.vmm4j.linux.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.linux.guest.LibvirtException;
import org.vmm4j.testsupport.RequiresHost;

/**
 * Every struct size, field offset and enum value in {@link LibvirtLayout} against the C compiler's
 * answer for {@code <libvirt/libvirt.h>}.
 */
@RequiresHost(
        tools = "gcc",
        files = {RequiresHost.LIBC_HEADERS, RequiresHost.LIBVIRT_HEADER})
class LibvirtLayoutTest {

    /** Java constant name, C expression. */
    private static final String[][] CHECKS = {
        {"DOMAIN_INFO_SIZE", "sizeof(virDomainInfo)"},
        {"DOMAIN_INFO_STATE", "offsetof(virDomainInfo, state)"},
        {"DOMAIN_INFO_MAX_MEM", "offsetof(virDomainInfo, maxMem)"},
        {"DOMAIN_INFO_MEMORY", "offsetof(virDomainInfo, memory)"},
        {"DOMAIN_INFO_NR_VIRT_CPU", "offsetof(virDomainInfo, nrVirtCpu)"},
        {"DOMAIN_INFO_CPU_TIME", "offsetof(virDomainInfo, cpuTime)"},
        {"TYPED_PARAM_SIZE", "sizeof(virTypedParameter)"},
        {"TYPED_PARAM_FIELD", "offsetof(virTypedParameter, field)"},
        {"TYPED_PARAM_FIELD_LENGTH", "VIR_TYPED_PARAM_FIELD_LENGTH"},
        {"TYPED_PARAM_TYPE", "offsetof(virTypedParameter, type)"},
        {"TYPED_PARAM_VALUE", "offsetof(virTypedParameter, value)"},
        {"TYPED_PARAM_INT", "VIR_TYPED_PARAM_INT"},
        {"TYPED_PARAM_UINT", "VIR_TYPED_PARAM_UINT"},
        {"TYPED_PARAM_LLONG", "VIR_TYPED_PARAM_LLONG"},
        {"TYPED_PARAM_ULLONG", "VIR_TYPED_PARAM_ULLONG"},
        {"TYPED_PARAM_DOUBLE", "VIR_TYPED_PARAM_DOUBLE"},
        {"TYPED_PARAM_BOOLEAN", "VIR_TYPED_PARAM_BOOLEAN"},
        {"TYPED_PARAM_STRING", "VIR_TYPED_PARAM_STRING"},
        {"STATS_RECORD_SIZE", "sizeof(virDomainStatsRecord)"},
        {"STATS_RECORD_DOM", "offsetof(virDomainStatsRecord, dom)"},
        {"STATS_RECORD_PARAMS", "offsetof(virDomainStatsRecord, params)"},
        {"STATS_RECORD_NPARAMS", "offsetof(virDomainStatsRecord, nparams)"},
        {"DHCP_LEASE_SIZE", "sizeof(virNetworkDHCPLease)"},
        {"DHCP_LEASE_IFACE", "offsetof(virNetworkDHCPLease, iface)"},
        {"DHCP_LEASE_EXPIRYTIME", "offsetof(virNetworkDHCPLease, expirytime)"},
        {"DHCP_LEASE_TYPE", "offsetof(virNetworkDHCPLease, type)"},
        {"DHCP_LEASE_MAC", "offsetof(virNetworkDHCPLease, mac)"},
        {"DHCP_LEASE_IAID", "offsetof(virNetworkDHCPLease, iaid)"},
        {"DHCP_LEASE_IPADDR", "offsetof(virNetworkDHCPLease, ipaddr)"},
        {"DHCP_LEASE_PREFIX", "offsetof(virNetworkDHCPLease, prefix)"},
        {"DHCP_LEASE_HOSTNAME", "offsetof(virNetworkDHCPLease, hostname)"},
        {"DHCP_LEASE_CLIENTID", "offsetof(virNetworkDHCPLease, clientid)"},
        {"DOMAIN_INTERFACE_SIZE", "sizeof(virDomainInterface)"},
        {"DOMAIN_INTERFACE_NAME", "offsetof(virDomainInterface, name)"},
        {"DOMAIN_INTERFACE_HWADDR", "offsetof(virDomainInterface, hwaddr)"},
        {"DOMAIN_INTERFACE_NADDRS", "offsetof(virDomainInterface, naddrs)"},
        {"DOMAIN_INTERFACE_ADDRS", "offsetof(virDomainInterface, addrs)"},
        {"IP_ADDRESS_SIZE", "sizeof(virDomainIPAddress)"},
        {"IP_ADDRESS_TYPE", "offsetof(virDomainIPAddress, type)"},
        {"IP_ADDRESS_ADDR", "offsetof(virDomainIPAddress, addr)"},
        {"IP_ADDRESS_PREFIX", "offsetof(virDomainIPAddress, prefix)"},
        {"ERROR_CODE", "offsetof(virError, code)"},
        {"ERROR_DOMAIN", "offsetof(virError, domain)"},
        {"ERROR_MESSAGE", "offsetof(virError, message)"},
        {"CREDENTIAL_SIZE", "sizeof(virConnectCredential)"},
        {"CREDENTIAL_TYPE", "offsetof(virConnectCredential, type)"},
        {"CREDENTIAL_PROMPT", "offsetof(virConnectCredential, prompt)"},
        {"CREDENTIAL_CHALLENGE", "offsetof(virConnectCredential, challenge)"},
        {"CREDENTIAL_DEFRESULT", "offsetof(virConnectCredential, defresult)"},
        {"CREDENTIAL_RESULT", "offsetof(virConnectCredential, result)"},
        {"CREDENTIAL_RESULTLEN", "offsetof(virConnectCredential, resultlen)"},
        {"AUTH_SIZE", "sizeof(virConnectAuth)"},
        {"AUTH_CREDTYPE", "offsetof(virConnectAuth, credtype)"},
        {"AUTH_NCREDTYPE", "offsetof(virConnectAuth, ncredtype)"},
        {"AUTH_CB", "offsetof(virConnectAuth, cb)"},
        {"AUTH_CBDATA", "offsetof(virConnectAuth, cbdata)"},
        {"VOL_INFO_SIZE", "sizeof(virStorageVolInfo)"},
        {"VOL_INFO_TYPE", "offsetof(virStorageVolInfo, type)"},
        {"VOL_INFO_CAPACITY", "offsetof(virStorageVolInfo, capacity)"},
        {"VOL_INFO_ALLOCATION", "offsetof(virStorageVolInfo, allocation)"},
        {"UUID_STRING_BUFLEN", "VIR_UUID_STRING_BUFLEN"},
        {"DOMAIN_NOSTATE", "VIR_DOMAIN_NOSTATE"},
        {"DOMAIN_RUNNING", "VIR_DOMAIN_RUNNING"},
        {"DOMAIN_BLOCKED", "VIR_DOMAIN_BLOCKED"},
        {"DOMAIN_PAUSED", "VIR_DOMAIN_PAUSED"},
        {"DOMAIN_SHUTDOWN", "VIR_DOMAIN_SHUTDOWN"},
        {"DOMAIN_SHUTOFF", "VIR_DOMAIN_SHUTOFF"},
        {"DOMAIN_CRASHED", "VIR_DOMAIN_CRASHED"},
        {"DOMAIN_PMSUSPENDED", "VIR_DOMAIN_PMSUSPENDED"},
        {"LIST_DOMAINS_ACTIVE", "VIR_CONNECT_LIST_DOMAINS_ACTIVE"},
        {"LIST_DOMAINS_INACTIVE", "VIR_CONNECT_LIST_DOMAINS_INACTIVE"},
        {"AFFECT_LIVE", "VIR_DOMAIN_AFFECT_LIVE"},
        {"AFFECT_CONFIG", "VIR_DOMAIN_AFFECT_CONFIG"},
        {"MEM_MAXIMUM", "VIR_DOMAIN_MEM_MAXIMUM"},
        {"VCPU_MAXIMUM", "VIR_DOMAIN_VCPU_MAXIMUM"},
        {"UNDEFINE_MANAGED_SAVE", "VIR_DOMAIN_UNDEFINE_MANAGED_SAVE"},
        {"UNDEFINE_SNAPSHOTS_METADATA", "VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA"},
        {"UNDEFINE_NVRAM", "VIR_DOMAIN_UNDEFINE_NVRAM"},
        {"UNDEFINE_CHECKPOINTS_METADATA", "VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA"},
        {"SNAPSHOT_CREATE_DISK_ONLY", "VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY"},
        {"SNAPSHOT_CREATE_ATOMIC", "VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC"},
        {"STATS_STATE", "VIR_DOMAIN_STATS_STATE"},
        {"STATS_CPU_TOTAL", "VIR_DOMAIN_STATS_CPU_TOTAL"},
        {"STATS_BALLOON", "VIR_DOMAIN_STATS_BALLOON"},
        {"STATS_VCPU", "VIR_DOMAIN_STATS_VCPU"},
        {"STATS_INTERFACE", "VIR_DOMAIN_STATS_INTERFACE"},
        {"STATS_BLOCK", "VIR_DOMAIN_STATS_BLOCK"},
        {"EVENT_ID_LIFECYCLE", "VIR_DOMAIN_EVENT_ID_LIFECYCLE"},
        {"EVENT_ID_REBOOT", "VIR_DOMAIN_EVENT_ID_REBOOT"},
        {"EVENT_DEFINED", "VIR_DOMAIN_EVENT_DEFINED"},
        {"EVENT_UNDEFINED", "VIR_DOMAIN_EVENT_UNDEFINED"},
        {"EVENT_STARTED", "VIR_DOMAIN_EVENT_STARTED"},
        {"EVENT_SUSPENDED", "VIR_DOMAIN_EVENT_SUSPENDED"},
        {"EVENT_RESUMED", "VIR_DOMAIN_EVENT_RESUMED"},
        {"EVENT_STOPPED", "VIR_DOMAIN_EVENT_STOPPED"},
        {"EVENT_SHUTDOWN", "VIR_DOMAIN_EVENT_SHUTDOWN"},
        {"EVENT_PMSUSPENDED", "VIR_DOMAIN_EVENT_PMSUSPENDED"},
        {"EVENT_CRASHED", "VIR_DOMAIN_EVENT_CRASHED"},
        {"DOMAIN_CONSOLE_FORCE", "VIR_DOMAIN_CONSOLE_FORCE"},
        {"DOMAIN_CONSOLE_SAFE", "VIR_DOMAIN_CONSOLE_SAFE"},
        {"STREAM_NONBLOCK", "VIR_STREAM_NONBLOCK"},
        {"STREAM_EVENT_READABLE", "VIR_STREAM_EVENT_READABLE"},
        {"STREAM_EVENT_WRITABLE", "VIR_STREAM_EVENT_WRITABLE"},
        {"STREAM_EVENT_ERROR", "VIR_STREAM_EVENT_ERROR"},
        {"STREAM_EVENT_HANGUP", "VIR_STREAM_EVENT_HANGUP"},
        {"ADDRESSES_SRC_LEASE", "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE"},
        {"ADDRESSES_SRC_AGENT", "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT"},
        {"ADDRESSES_SRC_ARP", "VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP"},
        {"IP_ADDR_TYPE_IPV4", "VIR_IP_ADDR_TYPE_IPV4"},
        {"IP_ADDR_TYPE_IPV6", "VIR_IP_ADDR_TYPE_IPV6"},
        {"CRED_USERNAME", "VIR_CRED_USERNAME"},
        {"CRED_AUTHNAME", "VIR_CRED_AUTHNAME"},
        {"CRED_PASSPHRASE", "VIR_CRED_PASSPHRASE"},
        {"CRED_ECHOPROMPT", "VIR_CRED_ECHOPROMPT"},
        {"CRED_NOECHOPROMPT", "VIR_CRED_NOECHOPROMPT"},
        {"CRED_EXTERNAL", "VIR_CRED_EXTERNAL"},
    };

    /** Error codes LibvirtException names, against virterror.h. */
    private static final String[][] ERROR_CODES = {
        {"NO_DOMAIN", "VIR_ERR_NO_DOMAIN"},
        {"OPERATION_INVALID", "VIR_ERR_OPERATION_INVALID"},
        {"NO_NETWORK", "VIR_ERR_NO_NETWORK"},
        {"NO_STORAGE_POOL", "VIR_ERR_NO_STORAGE_POOL"},
        {"NO_STORAGE_VOL", "VIR_ERR_NO_STORAGE_VOL"},
        {"NO_DOMAIN_SNAPSHOT", "VIR_ERR_NO_DOMAIN_SNAPSHOT"},
        {"XML_ERROR", "VIR_ERR_XML_ERROR"},
        {"NO_CONNECT", "VIR_ERR_NO_CONNECT"},
        {"SYSTEM_ERROR", "VIR_ERR_SYSTEM_ERROR"},
    };

    @Test
    void everyLayoutConstantMatchesTheCompiler(@TempDir Path dir) throws Exception {
        Map<String, Long> c = compileAndRun(dir, CHECKS);
        List<String> mismatches = new ArrayList<>();
        for (String[] check : CHECKS) {
            Field field = LibvirtLayout.class.getField(check[0]);
            long java = ((Number) field.get(null)).longValue();
            if (java != c.get(check[0])) {
                mismatches.add(check[0] + ": Java " + java + ", C " + check[1] + " = " + c.get(check[0]));
            }
        }
        assertEquals(List.of(), mismatches);
    }

    @Test
    void everyPublicLayoutConstantIsChecked() {
        List<String> unchecked = new ArrayList<>();
        for (Field field : LibvirtLayout.class.getFields()) {
            boolean checked = false;
            for (String[] check : CHECKS) {
                checked |= check[0].equals(field.getName());
            }
            if (!checked) {
                unchecked.add(field.getName());
            }
        }
        assertEquals(List.of(), unchecked);
    }

    @Test
    void errorCodesMatchVirterrorH(@TempDir Path dir) throws Exception {
        Map<String, Long> c = compileAndRun(dir, ERROR_CODES);
        for (String[] check : ERROR_CODES) {
            long java = ((Number) LibvirtException.class.getField(check[0]).get(null)).longValue();
            assertEquals(c.get(check[0]), java, check[0]);
        }
    }

    private static Map<String, Long> compileAndRun(Path dir, String[][] checks)
            throws IOException, InterruptedException {
        StringBuilder program =
                new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <libvirt/libvirt.h>\n"
                        + "#include <libvirt/virterror.h>\nint main(void) {\n");
        for (String[] check : checks) {
            program.append("    printf(\"%s %lld\\n\", \"")
                    .append(check[0])
                    .append("\", (long long) (")
                    .append(check[1])
                    .append("));\n");
        }
        program.append("    return 0;\n}\n");
        Path source = dir.resolve("layout.c");
        Path binary = dir.resolve("layout");
        Files.writeString(source, program);
        String compiled = run(List.of("gcc", "-o", binary.toString(), source.toString()));
        assertTrue(Files.isExecutable(binary), "gcc failed:\n" + compiled);
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(List.of(binary.toString())).split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts.length == 2) {
                values.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        assertEquals(checks.length, values.size(), "C program output: " + values);
        return values;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        return output;
    }
}
