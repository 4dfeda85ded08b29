package io.cnnlab.web;

import io.cnnlab.architectures.Architecture;
import io.cnnlab.architectures.Architectures;
import io.cnnlab.architectures.LearningRate;
import io.cnnlab.architectures.NetworkCost;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

@RestController
@RequestMapping("/api/v1/architectures")
class ArchitectureController {

    /** A network as users choose it: what it is, what it costs, and the learning rate its recipe starts from. */
    record ArchitectureView(String name, String description, long parameters, long trainableParameters,
                            long macsPerImage, LearningRate defaultLearningRate, List<NetworkCost.LayerCost> layers) {

        static ArchitectureView of(Architecture architecture) {
            NetworkCost cost = architecture.cost();
            return new ArchitectureView(architecture.name(), architecture.description(), cost.parameters(),
                    cost.trainableParameters(), cost.macs(),
                    architecture.learningRate(), cost.layers());
        }
    }

    private final List<ArchitectureView> views;

    ArchitectureController(Architectures architectures) {
        this.views = architectures.all().stream().map(ArchitectureView::of).toList();
    }

    @GetMapping
    List<ArchitectureView> list() {
        return views;
    }
}
