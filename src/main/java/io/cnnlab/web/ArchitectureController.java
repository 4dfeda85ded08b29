package io.cnnlab.web;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.Recipe;
import io.cnnlab.architectures.NetworkCost;
import io.cnnlab.datasets.DatasetNotFoundException;
import io.cnnlab.datasets.Datasets;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

@RestController
@RequestMapping("/api/v1/architectures")
class ArchitectureController {

    /**
     * A network as users choose it: what it is, what it costs, and its recipe (every default a training request
     * leaves out, by the request's field names where they are flat).
     *
     * @param parameterCount          all parameters the network stores, batch norm's running statistics included
     * @param trainableParameterCount parameters the optimiser updates
     */
    record ArchitectureView(String name, String description, long parameterCount, long trainableParameterCount,
                            long macsPerImage, Recipe recipe, List<LayerView> layers) {

        static ArchitectureView of(Architecture architecture, int classes) {
            NetworkCost cost = architecture.cost(classes);
            return new ArchitectureView(architecture.name(), architecture.description(), cost.parameters(),
                    cost.trainableParameters(), cost.macs(),
                    architecture.recipe(), cost.layers().stream().map(LayerView::of).toList());
        }
    }

    /**
     * One row of a network's layer table, named as every other answer names a count ({@code parameterCount}) and a
     * cost per image ({@code macsPerImage}).
     *
     * @param kernel kernel size as {@code HxW}, empty where there is none
     * @param output activation shape as channels x height x width (or size for flat outputs)
     */
    record LayerView(String name, String type, String kernel, String output, long parameterCount,
                     long trainableParameterCount, long macsPerImage) {

        static LayerView of(NetworkCost.LayerCost layer) {
            return new LayerView(layer.name(), layer.type(), layer.kernel(), layer.output(), layer.parameters(),
                    layer.trainableParameters(), layer.macs());
        }
    }

    private final Architectures architectures;
    private final Datasets datasets;
    /** CIFAR-10's views, computed once: the default answer. */
    private final List<ArchitectureView> cifar10;

    ArchitectureController(Architectures architectures, Datasets datasets) {
        this.architectures = architectures;
        this.datasets = datasets;
        this.cifar10 = views(Architecture.CLASSES);
    }

    @GetMapping
    @Operation(summary = "List the networks on offer with their cost and recipe",
            description = "The recipe holds every default a training request leaves out. parameterCount and "
                    + "macsPerImage are those of the network built for the data set's class count (default cifar10).",
            responses = {@ApiResponse(responseCode = "200", description = "the networks"),
                    @ApiResponse(responseCode = "400", description = "an unknown dataset or a page outside its bounds")})
    Page<ArchitectureView> list(
            @RequestParam(defaultValue = "0") @Min(Page.PAGE_MIN) @Max(Page.PAGE_MAX) int page,
            @RequestParam(defaultValue = Page.DEFAULT_SIZE) @Min(Page.SIZE_MIN) @Max(Page.SIZE_MAX) int size,
            @RequestParam(defaultValue = Datasets.CIFAR10) String dataset) {
        if (dataset.equals(Datasets.CIFAR10)) {
            return Page.slice(cifar10, page, size);
        }
        int classes;
        try {
            classes = datasets.get(dataset).classes().size();
        } catch (DatasetNotFoundException e) {
            throw new InvalidRequestException("dataset: no data set '%s' (GET /api/v1/datasets lists them)".formatted(dataset));
        }
        return Page.slice(classes == Architecture.CLASSES ? cifar10 : views(classes), page, size);
    }

    private List<ArchitectureView> views(int classes) {
        return architectures.all().stream().map(a -> ArchitectureView.of(a, classes)).toList();
    }
}
