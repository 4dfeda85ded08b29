package io.cnnlab.deploy;

import com.marcnuri.helm.TemplateCommand;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads rendered Kubernetes manifests (and other YAML) back as maps for the deployment tests. */
final class Manifests {

    private Manifests() {
    }

    static List<Map<String, Object>> render(TemplateCommand command) {
        List<Map<String, Object>> manifests = new ArrayList<>();
        for (Object document : new Yaml().loadAll(command.call())) {
            if (document instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> manifest = (Map<String, Object>) map;
                manifests.add(manifest);
            }
        }
        return manifests;
    }

    static List<String> kinds(List<Map<String, Object>> manifests) {
        return manifests.stream().map(m -> (String) m.get("kind")).toList();
    }

    static Map<String, Object> find(List<Map<String, Object>> manifests, String kind) {
        Optional<Map<String, Object>> found = manifests.stream().filter(m -> kind.equals(m.get("kind"))).findFirst();
        assertThat(found).as(kind).isPresent();
        return found.get();
    }

    static Map<String, Object> find(List<Map<String, Object>> manifests, String kind, String name) {
        Optional<Map<String, Object>> found = manifests.stream()
                .filter(m -> kind.equals(m.get("kind")) && name.equals(at(m, "metadata.name"))).findFirst();
        assertThat(found).as("%s %s among %s", kind, name, names(manifests)).isPresent();
        return found.get();
    }

    static List<String> names(List<Map<String, Object>> manifests) {
        return manifests.stream().map(m -> m.get("kind") + "/" + at(m, "metadata.name")).toList();
    }

    static Map<String, Object> container(Map<String, Object> deployment) {
        return map(deployment, "spec.template.spec.containers[0]");
    }

    /** The plain value of an environment variable. */
    static String env(Map<String, Object> container, String name) {
        return String.valueOf(envEntry(container, name).get("value"));
    }

    static Map<String, Object> envEntry(Map<String, Object> container, String name) {
        List<Map<String, Object>> env = list(container, "env");
        return env.stream().filter(e -> name.equals(e.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + envNames(container)));
    }

    static List<String> envNames(Map<String, Object> container) {
        List<Map<String, Object>> env = list(container, "env");
        return env.stream().map(e -> String.valueOf(e.get("name"))).toList();
    }

    static Map<String, String> mounts(Map<String, Object> container) {
        List<Map<String, Object>> mounts = list(container, "volumeMounts");
        Map<String, String> byName = new HashMap<>();
        mounts.forEach(m -> byName.put((String) m.get("name"), (String) m.get("mountPath")));
        return byName;
    }

    static Map<String, Object> volume(Map<String, Object> deployment, String name) {
        List<Map<String, Object>> volumes = list(deployment, "spec.template.spec.volumes");
        return volumes.stream().filter(v -> name.equals(v.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name + " in " + volumes));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object root, String path) {
        return (Map<String, Object>) at(root, path);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Object root, String path) {
        return (List<Map<String, Object>>) at(root, path);
    }

    /** Follows a dotted path with [i] list indexes; "\\." escapes a dot inside a key. */
    @SuppressWarnings("unchecked")
    static Object at(Object root, String path) {
        Object node = root;
        for (String part : path.split("(?<!\\\\)\\.")) {
            String key = part.replace("\\.", ".");
            int index = -1;
            if (key.endsWith("]")) {
                index = Integer.parseInt(key.substring(key.indexOf('[') + 1, key.length() - 1));
                key = key.substring(0, key.indexOf('['));
            }
            assertThat(node).as("parent of %s in %s", key, path).isInstanceOf(Map.class);
            node = ((Map<String, Object>) node).get(key);
            if (index >= 0) {
                node = ((List<Object>) node).get(index);
            }
        }
        return node;
    }
}
