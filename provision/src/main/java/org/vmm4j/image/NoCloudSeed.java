package org.vmm4j.image;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A cloud-init NoCloud seed: user-data, meta-data and optionally network-config, written as an ISO
 * 9660 image with volume id {@code cidata}, the layout cloud-init's NoCloud datasource looks for
 * (and what {@code cloud-localds} produces).
 */
public record NoCloudSeed(CloudConfig userData, MetaData metaData, Optional<NetworkConfig> networkConfig) {
    public static final String VOLUME_ID = "cidata";

    public NoCloudSeed {
        Objects.requireNonNull(userData, "userData");
        Objects.requireNonNull(metaData, "metaData");
        Objects.requireNonNull(networkConfig, "networkConfig");
    }

    public NoCloudSeed(CloudConfig userData, MetaData metaData) {
        this(userData, metaData, Optional.empty());
    }

    /** The seed's files, named as cloud-init expects them. */
    public List<IsoFile> files() {
        List<IsoFile> files = new ArrayList<>(3);
        files.add(new IsoFile("user-data", userData.toUserData().getBytes(StandardCharsets.UTF_8)));
        files.add(new IsoFile("meta-data", metaData.toYaml().getBytes(StandardCharsets.UTF_8)));
        networkConfig.ifPresent(
                n -> files.add(new IsoFile("network-config", n.toYaml().getBytes(StandardCharsets.UTF_8))));
        return files;
    }

    /** Writes the seed ISO; refuses to replace an existing file unless {@code mode} says so. */
    public Path writeIso(Path path, CreateMode mode) {
        return new Iso9660Writer(VOLUME_ID, ZonedDateTime.now(ZoneId.systemDefault()), files()).write(path, mode);
    }

    @Override
    public String toString() {
        return "NoCloudSeed[" + metaData + ", " + userData + ", network "
                + (networkConfig.isPresent() ? "set" : "default") + "]";
    }
}
