package io.cnnlab.web;

import io.cnnlab.inference.Classifier;
import io.cnnlab.models.ModelRegistry;
import io.cnnlab.models.ModelVersion;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

@RestController
@RequestMapping("/api/v1/models")
class ModelController {

    record AliasRequest(@NotNull @Min(1) Integer version) {
    }

    private final ModelRegistry registry;
    private final Classifier classifier;

    ModelController(ModelRegistry registry, Classifier classifier) {
        this.registry = registry;
        this.classifier = classifier;
    }

    @GetMapping
    List<ModelRegistry.Model> list() {
        return registry.models();
    }

    @GetMapping("/{name}")
    ModelRegistry.Model get(@PathVariable String name) {
        return registry.model(name);
    }

    @GetMapping("/{name}/versions/{version}")
    ModelVersion version(@PathVariable String name, @PathVariable int version) {
        return registry.version(name, version);
    }

    @PutMapping("/{name}/aliases/{alias}")
    ModelVersion setAlias(@PathVariable String name, @PathVariable String alias, @Valid @RequestBody AliasRequest request) {
        // load first, switch after: requests keep going to the old version until the new one is warm
        classifier.warm(registry.version(name, request.version()));
        return registry.setAlias(name, alias, request.version());
    }

    @DeleteMapping("/{name}/versions/{version}")
    ResponseEntity<Void> delete(@PathVariable String name, @PathVariable int version) {
        registry.delete(name, version);
        return ResponseEntity.noContent().build();
    }
}
