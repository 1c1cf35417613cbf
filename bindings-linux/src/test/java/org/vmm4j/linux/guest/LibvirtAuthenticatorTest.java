package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.LibvirtLayout;
import org.vmm4j.linux.internal.Libvirt;
import org.vmm4j.testsupport.RequiresHost;

/** The credential callback fills libvirt's virConnectCredential array the way libvirt expects. */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class LibvirtAuthenticatorTest {

    @Test
    void answersEveryCredentialWithAMallocedResultLibvirtCanFree() {
        Libvirt lv = Libvirt.get();
        List<LibvirtAuthenticator.Credential> asked = new ArrayList<>();
        LibvirtAuthenticator authenticator = c -> {
            asked.add(c);
            return c.type() == LibvirtAuthenticator.CredentialType.AUTHNAME ? "admin" : "s3cret-ü";
        };
        try (NativeMemory creds = lv.access.allocate(2 * LibvirtLayout.CREDENTIAL_SIZE);
                NativeMemory prompt = lv.cString("Username:")) {
            creds.putInt(LibvirtLayout.CREDENTIAL_TYPE, LibvirtLayout.CRED_AUTHNAME);
            creds.putLong(LibvirtLayout.CREDENTIAL_PROMPT, prompt.address());
            creds.putInt(LibvirtLayout.CREDENTIAL_SIZE + LibvirtLayout.CREDENTIAL_TYPE, LibvirtLayout.CRED_PASSPHRASE);
            assertEquals(0, LibvirtGuestManager.answer(lv, authenticator, creds.address(), 2, 0));
            assertEquals(
                    List.of(
                            new LibvirtAuthenticator.Credential(
                                    LibvirtAuthenticator.CredentialType.AUTHNAME, "Username:", null, null),
                            new LibvirtAuthenticator.Credential(
                                    LibvirtAuthenticator.CredentialType.PASSPHRASE, null, null, null)),
                    asked);
            long first = creds.getLong(LibvirtLayout.CREDENTIAL_RESULT);
            long second = creds.getLong(LibvirtLayout.CREDENTIAL_SIZE + LibvirtLayout.CREDENTIAL_RESULT);
            assertEquals("admin", lv.access.readString(first));
            assertEquals(5, creds.getInt(LibvirtLayout.CREDENTIAL_RESULTLEN));
            assertEquals("s3cret-ü", lv.access.readString(second));
            assertEquals(9, creds.getInt(LibvirtLayout.CREDENTIAL_SIZE + LibvirtLayout.CREDENTIAL_RESULTLEN));
            lv.free.call(first); // what libvirt does with the results
            lv.free.call(second);
        }
    }

    @Test
    void refusingACredentialFailsTheCallback() {
        Libvirt lv = Libvirt.get();
        try (NativeMemory creds = lv.access.allocate(LibvirtLayout.CREDENTIAL_SIZE)) {
            creds.putInt(LibvirtLayout.CREDENTIAL_TYPE, LibvirtLayout.CRED_PASSPHRASE);
            assertEquals(-1, LibvirtGuestManager.answer(lv, c -> null, creds.address(), 1, 0));
            assertEquals(0, creds.getLong(LibvirtLayout.CREDENTIAL_RESULT));
        }
    }

    @Test
    void authenticatorThatThrowsFailsTheCallbackInsteadOfTheJvm() {
        Libvirt lv = Libvirt.get();
        try (NativeMemory creds = lv.access.allocate(LibvirtLayout.CREDENTIAL_SIZE)) {
            creds.putInt(LibvirtLayout.CREDENTIAL_TYPE, LibvirtLayout.CRED_USERNAME);
            assertEquals(
                    -1,
                    LibvirtGuestManager.answer(
                            lv,
                            c -> {
                                throw new IllegalStateException("no console");
                            },
                            creds.address(),
                            1,
                            0));
        }
    }
}
