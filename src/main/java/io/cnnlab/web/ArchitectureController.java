package io.cnnlab.web;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.Recipe;
import io.cnnlab.architectures.NetworkCost;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

@RestController
@RequestMapping("/api/v1/architectures")
class ArchitectureController {

    /**
     * A network as users choose it: what it is, what it costs, and its recipe (every default a training request
     * leaves out, by the request's field names where they are flat).
     */
    record ArchitectureView(String name, String description, long parameters, long trainableParameters,
                            long macsPerImage, Recipe recipe, List<NetworkCost.LayerCost> layers) {

        static ArchitectureView of(Architecture architecture) {
            NetworkCost cost = architecture.cost();
            return new ArchitectureView(architecture.name(), architecture.description(), cost.parameters(),
                    cost.trainableParameters(), cost.macs(),
                    architecture.recipe(), cost.layers());
        }
    }

    private final List<ArchitectureView> views;

    ArchitectureController(Architectures architectures) {
        this.views = architectures.all().stream().map(ArchitectureView::of).toList();
    }

    @GetMapping
    @Operation(summary = "List the networks on offer with their cost and recipe",
            description = "The recipe holds every default a training request leaves out.")
    List<ArchitectureView> list() {
        return views;
    }
}
