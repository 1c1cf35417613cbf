package org.vmm4j.freebsd.guest;

import java.nio.file.Path;

/**
 * Where bhyve guests live on this host and which programs run them. {@link #standard(Path)} gives the
 * FreeBSD paths; tests point the programs at stand-ins.
 *
 * @param stateDir     one directory per manager: guest definitions ({@code NAME.guest}), generated
 *                     bhyve configs ({@code NAME.bhyve.conf}), UEFI variable stores, logs
 * @param bhyve        bhyve(8)
 * @param bhyveload    bhyveload(8), for FreeBSD guests booted without UEFI
 * @param uefiFirmware the UEFI firmware image (port sysutils/bhyve-firmware)
 * @param csmFirmware  the UEFI firmware with legacy BIOS support, for guests that ask for BIOS boot
 * @param uefiVarsTemplate template copied per guest as its variable store (keeps its boot order)
 * @param ifconfig     ifconfig(8), for per-guest taps
 */
public record BhyveHostLayout(
        Path stateDir,
        Path bhyve,
        Path bhyveload,
        Path uefiFirmware,
        Path csmFirmware,
        Path uefiVarsTemplate,
        Path ifconfig) {
    /** Where {@link BhyveGuestManager#DEFAULT_URI} keeps guest definitions. */
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/db/vmm4j/guests");

    public static BhyveHostLayout standard(Path stateDir) {
        return new BhyveHostLayout(
                stateDir,
                Path.of("/usr/sbin/bhyve"),
                Path.of("/usr/sbin/bhyveload"),
                Path.of("/usr/local/share/uefi-firmware/BHYVE_UEFI.fd"),
                Path.of("/usr/local/share/uefi-firmware/BHYVE_UEFI_CSM.fd"),
                Path.of("/usr/local/share/uefi-firmware/BHYVE_UEFI_VARS.fd"),
                Path.of("/sbin/ifconfig"));
    }

    public Path configFile(String guest) {
        return stateDir.resolve(guest + ".bhyve.conf");
    }

    public Path varsFile(String guest) {
        return stateDir.resolve(guest + ".vars.fd");
    }

    public Path pidFile(String guest) {
        return stateDir.resolve(guest + ".pid");
    }

    public Path logFile(String guest) {
        return stateDir.resolve(guest + ".log");
    }

    /** The nmdm(4) pair of a guest's COM1: bhyve opens the A side, a terminal attaches to the B side. */
    public static String consoleDevice(String guest, char side) {
        return "/dev/nmdm-" + guest + ".1" + side;
    }
}
