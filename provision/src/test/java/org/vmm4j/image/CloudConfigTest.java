package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.commons.codec.digest.Crypt;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

class CloudConfigTest {
    static final String KEY =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq4yb1fdE3jT0nK0lDJrZ5h0TbGm5m2r1a5n0zq5Q0x admin@laptop";
    private static final String SECRET = "correct horse battery staple";

    static CloudConfig sample() {
        return CloudConfig.builder()
                .hostname("web1")
                .fqdn("web1.example.org")
                .user(CloudUser.builder("admin")
                        .sshAuthorizedKey(KEY)
                        .password(PasswordHash.sha512(SECRET.toCharArray()))
                        .group("sudo")
                        .group("adm")
                        .sudo("ALL=(ALL) NOPASSWD:ALL")
                        .build())
                .packageUpdate(true)
                .packageName("qemu-guest-agent")
                .packageName("curl")
                .runCommand(List.of("systemctl", "enable", "--now", "qemu-guest-agent"))
                .runShell("echo provisioned > /var/tmp/marker")
                .writeFile(WriteFile.text("/etc/motd", "Managed by vmm4j\nline two: with colon\n", "0644"))
                .writeFile(new WriteFile("/opt/blob.bin", new byte[] {(byte) 0xff, 0, 1}, "600", "root:root"))
                .build();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> load(String yaml) {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
    }

    @Test
    @SuppressWarnings("unchecked")
    void userDataIsCloudConfigYamlWithEverySection() {
        String userData = sample().toUserData();
        assertTrue(userData.startsWith("#cloud-config\n"), userData);
        Map<String, Object> doc = load(userData);

        assertEquals("web1", doc.get("hostname"));
        assertEquals("web1.example.org", doc.get("fqdn"));
        assertEquals(List.of("qemu-guest-agent", "curl"), doc.get("packages"));
        assertEquals(true, doc.get("package_update"));
        assertEquals(
                List.of(
                        List.of("systemctl", "enable", "--now", "qemu-guest-agent"),
                        "echo provisioned > /var/tmp/marker"),
                doc.get("runcmd"));
        Map<String, Object> user = ((List<Map<String, Object>>) doc.get("users")).get(0);
        assertEquals("admin", user.get("name"));
        assertEquals(List.of(KEY), user.get("ssh_authorized_keys"));
        assertEquals("sudo, adm", user.get("groups"));
        assertEquals(false, user.get("lock_passwd"));
        List<Map<String, Object>> files = (List<Map<String, Object>>) doc.get("write_files");
        assertEquals("Managed by vmm4j\nline two: with colon\n", files.get(0).get("content"));
        assertEquals("0644", files.get(0).get("permissions"));
        assertEquals("b64", files.get(1).get("encoding"));
        assertEquals("0600", files.get(1).get("permissions"));
        assertEquals(List.of(0xff, 0, 1), toInts(Base64.getDecoder().decode((String)
                files.get(1).get("content"))));
    }

    @Test
    @SuppressWarnings("unchecked")
    void passwordIsStoredOnlyAsSha512CryptHashThatVerifies() {
        String userData = sample().toUserData();
        assertFalse(userData.contains(SECRET), "plain password must never be written");
        String hash = (String)
                ((List<Map<String, Object>>) load(userData).get("users")).get(0).get("passwd");

        assertTrue(hash.startsWith("$6$"), hash);
        assertEquals(hash, Crypt.crypt(SECRET, hash), "the hash verifies against the password with crypt(3)");
        assertTrue(PasswordHash.ofHash(hash).matches(SECRET.toCharArray()));
        assertFalse(PasswordHash.ofHash(hash).matches("wrong".toCharArray()));
    }

    @Test
    void sameSecretHashesWithDifferentSalts() {
        assertFalse(PasswordHash.sha512("pw".toCharArray())
                .value()
                .equals(PasswordHash.sha512("pw".toCharArray()).value()));
    }

    @Test
    void secretsStayOutOfToStringAndErrorMessages() {
        PasswordHash hash = PasswordHash.sha512(SECRET.toCharArray());
        CloudConfig config = sample();
        assertFalse(hash.toString().contains(hash.value()));
        assertFalse(config.toString().contains("$6$"), config.toString());
        assertFalse(config.toString().contains("Managed by"), config.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> PasswordHash.ofHash(SECRET));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertFalse(
                WriteFile.text("/etc/token", "s3cr3t-token", "0600").toString().contains("s3cr3t"));
    }

    @Test
    void metaDataCarriesInstanceIdAndLocalHostname() {
        Map<String, Object> doc = load(new MetaData("iid-web1-0001", "web1").toYaml());
        assertEquals(Map.of("instance-id", "iid-web1-0001", "local-hostname", "web1"), doc);
    }

    @Test
    @SuppressWarnings("unchecked")
    void networkConfigV2DescribesStaticAndDhcpInterfaces() {
        NetworkConfig net = NetworkConfig.of(
                NetworkConfig.Ethernet.builder("lan")
                        .matchMac("52:54:00:AB:CD:EF")
                        .address("192.168.122.10/24")
                        .gateway4("192.168.122.1")
                        .nameserver("192.168.122.1")
                        .nameserver("2001:db8::53")
                        .searchDomain("example.org")
                        .build(),
                NetworkConfig.Ethernet.builder("mgmt")
                        .matchName("en*")
                        .dhcp4(true)
                        .build());
        Map<String, Object> doc = load(net.toYaml());

        assertEquals(2, doc.get("version"));
        Map<String, Object> lan = (Map<String, Object>) ((Map<String, Object>) doc.get("ethernets")).get("lan");
        assertEquals(Map.of("macaddress", "52:54:00:ab:cd:ef"), lan.get("match"));
        assertEquals("lan", lan.get("set-name"));
        assertEquals(List.of("192.168.122.10/24"), lan.get("addresses"));
        assertEquals(List.of(Map.of("to", "0.0.0.0/0", "via", "192.168.122.1")), lan.get("routes"));
        assertEquals(
                Map.of("addresses", List.of("192.168.122.1", "2001:db8::53"), "search", List.of("example.org")),
                lan.get("nameservers"));
        Map<String, Object> mgmt = (Map<String, Object>) ((Map<String, Object>) doc.get("ethernets")).get("mgmt");
        assertEquals(true, mgmt.get("dhcp4"));
    }

    @Test
    void rejectsValuesThatWouldBreakTheYamlOrTheGuest() {
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.builder().hostname("web_1"));
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.builder().hostname("-web"));
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.builder().fqdn("web1"));
        assertThrows(
                IllegalArgumentException.class,
                () -> CloudUser.builder("Admin;rm").build());
        assertThrows(
                IllegalArgumentException.class, () -> CloudUser.builder("a").sshAuthorizedKey("not a key"));
        assertThrows(
                IllegalArgumentException.class, () -> CloudUser.builder("a").sshAuthorizedKey(KEY + "\nssh-rsa AAAA"));
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.builder().packageName("curl; reboot"));
        assertThrows(IllegalArgumentException.class, () -> CloudConfig.builder().runShell("a\nb"));
        assertThrows(IllegalArgumentException.class, () -> WriteFile.text("relative/path", "", "0644"));
        assertThrows(IllegalArgumentException.class, () -> WriteFile.text("/etc/x", "", "rwx"));
        assertThrows(IllegalArgumentException.class, () -> new MetaData("id with space", "web1"));
        assertThrows(
                IllegalArgumentException.class,
                () -> NetworkConfig.Ethernet.builder("e").address("10.0.0.300/24"));
        assertThrows(
                IllegalArgumentException.class,
                () -> NetworkConfig.Ethernet.builder("e").nameserver("dns.example.org"));
        assertThrows(
                IllegalArgumentException.class,
                () -> NetworkConfig.Ethernet.builder("e").build());
    }

    private static List<Integer> toInts(byte[] bytes) {
        return java.util.stream.IntStream.range(0, bytes.length)
                .mapToObj(i -> bytes[i] & 0xff)
                .toList();
    }
}
