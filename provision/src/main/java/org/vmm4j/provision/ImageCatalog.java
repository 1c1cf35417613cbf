package org.vmm4j.provision;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The guest images vmm4j knows, per hypervisor kind. The built-in list is a JSON file in the jar
 * ({@code org/vmm4j/provision/image-catalog.json}); JSON is parsed with SnakeYAML Engine, since JSON
 * is YAML 1.2. Applications can load their own file in the same format with {@link #parse(String)}.
 */
public final class ImageCatalog {
    public static final Set<String> HYPERVISORS = Set.of("kvm", "bhyve", "openbsd-vmm");
    private static final String RESOURCE = "image-catalog.json";
    private static final Set<String> FORMATS = Set.of("qcow2", "raw", "iso");

    private final List<GuestImage> images;

    private ImageCatalog(List<GuestImage> images) {
        this.images = List.copyOf(images);
    }

    /** The catalog shipped in the jar. */
    public static ImageCatalog builtIn() {
        try (InputStream in = ImageCatalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("built-in image catalog " + RESOURCE + " missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read built-in image catalog: " + e.getMessage(), e);
        }
    }

    /**
     * Parses a catalog document.
     *
     * @throws IllegalArgumentException naming the entry and field that is missing or wrong
     */
    public static ImageCatalog parse(String json) {
        Object root;
        try {
            root = new Load(LoadSettings.builder().build()).loadFromString(json);
        } catch (YamlEngineException e) {
            throw new IllegalArgumentException("image catalog is not valid JSON: " + e.getMessage(), e);
        }
        Map<?, ?> doc = map(root, "catalog");
        Map<?, ?> agents = doc.containsKey("agentInstall") ? map(doc.get("agentInstall"), "agentInstall") : Map.of();
        List<GuestImage> images = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        int index = 0;
        for (Object item : list(doc.get("images"), "images")) {
            String where = "images[" + index++ + "]";
            GuestImage image = entry(map(item, where), agents, where);
            if (!keys.add(image.hypervisor() + "/" + image.id())) {
                throw new IllegalArgumentException(where + ": duplicate id " + image.hypervisor() + "/" + image.id());
            }
            images.add(image);
        }
        return new ImageCatalog(images);
    }

    public List<GuestImage> all() {
        return images;
    }

    public List<GuestImage> forHypervisor(String hypervisor) {
        return images.stream().filter(i -> i.hypervisor().equals(hypervisor)).toList();
    }

    /** The entry {@code id} for {@code hypervisor}, e.g. {@code find("kvm", "ubuntu-24.04")}. */
    public Optional<GuestImage> find(String hypervisor, String id) {
        return images.stream()
                .filter(i -> i.hypervisor().equals(hypervisor) && i.id().equals(id))
                .findFirst();
    }

    private static GuestImage entry(Map<?, ?> m, Map<?, ?> agents, String where) {
        String id = string(m, "id", where);
        where = where + " (" + id + ")";
        String hypervisor = string(m, "hypervisor", where);
        if (!HYPERVISORS.contains(hypervisor)) {
            throw new IllegalArgumentException(
                    where + ": hypervisor must be one of " + HYPERVISORS + ", got '" + hypervisor + "'");
        }
        GuestImage.Kind kind = enumValue(GuestImage.Kind.class, string(m, "kind", where), where + ".kind");
        URI url = uri(string(m, "url", where), where + ".url");
        String format = string(m, "format", where);
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException(where + ": format must be one of " + FORMATS + ", got '" + format + "'");
        }
        Optional<ChecksumSource> checksum = Optional.empty();
        if (m.get("checksum") != null) {
            Map<?, ?> c = map(m.get("checksum"), where + ".checksum");
            String algorithm = string(c, "algorithm", where + ".checksum");
            if (c.get("value") != null) {
                checksum =
                        Optional.of(new ChecksumSource.Known(new ExpectedDigest(algorithm, string(c, "value", where))));
            } else {
                String fileName = url.getPath().substring(url.getPath().lastIndexOf('/') + 1);
                checksum = Optional.of(new ChecksumSource.Published(
                        algorithm, uri(string(c, "url", where + ".checksum"), where + ".checksum.url"), fileName));
            }
        }
        List<String> agent = List.of();
        if (m.get("agent") != null) {
            String set = string(m, "agent", where);
            if (!agents.containsKey(set)) {
                throw new IllegalArgumentException(
                        where + ": agent command set '" + set + "' is not defined in agentInstall");
            }
            agent = list(agents.get(set), "agentInstall." + set).stream()
                    .map(String::valueOf)
                    .toList();
        }
        Object cloudInit = m.get("cloudInit");
        if (!(cloudInit instanceof Boolean hasCloudInit)) {
            throw new IllegalArgumentException(where + ": cloudInit must be true or false");
        }
        return new GuestImage(
                id,
                hypervisor,
                string(m, "distribution", where),
                string(m, "version", where),
                string(m, "name", where),
                kind,
                url,
                checksum,
                format,
                Optional.ofNullable((String) m.get("compression")),
                enumValue(GuestImage.BootMode.class, string(m, "boot", where), where + ".boot"),
                hasCloudInit,
                agent,
                Optional.ofNullable((String) m.get("notes")));
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String text, String where) {
        try {
            return Enum.valueOf(type, text.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": unknown value '" + text + "'", e);
        }
    }

    private static URI uri(String text, String where) {
        try {
            return ImageDownloader.requireHttp(URI.create(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static Map<?, ?> map(Object o, String where) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(where + " must be an object");
        }
        return m;
    }

    private static List<?> list(Object o, String where) {
        if (!(o instanceof List<?> l)) {
            throw new IllegalArgumentException(where + " must be an array");
        }
        return l;
    }

    private static String string(Map<?, ?> m, String key, String where) {
        Object v = m.get(key);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(where + ": field '" + key + "' must be a non-empty string");
        }
        return s;
    }
}
