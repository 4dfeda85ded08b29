package io.cnnlab.onednn;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.function.BiFunction;

/**
 * Either an engine for a network or the reason there is none (then DL4J runs it).
 *
 * @param engine             null when the network stays on DL4J
 * @param unsupportedBecause null when there is an engine
 */
public record EngineChoice<T>(T engine, String unsupportedBecause) {

    /** What runs the network, for the log. */
    public String describe() {
        return engine != null ? "the oneDNN engine" : "DL4J (the oneDNN engine does not run it: " + unsupportedBecause + ")";
    }

    static <T> EngineChoice<T> of(ComputationGraph net, InputType input, BiFunction<ComputationGraph, NetworkPlan, T> make) {
        NetworkPlan plan;
        try {
            plan = NetworkPlan.of(net.getConfiguration(), input);
        } catch (NetworkPlan.UnsupportedGraphException e) {
            return new EngineChoice<>(null, e.getMessage());
        }
        try {
            return new EngineChoice<>(make.apply(net, plan), null);
        } catch (LinkageError e) { // missing natives, also as the ExceptionInInitializerError of a first load
            return new EngineChoice<>(null, "oneDNN's natives did not load: " + e.getMessage());
        }
    }
}
