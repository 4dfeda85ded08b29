package io.cnnlab.web;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import org.springframework.core.MethodParameter;
import org.springframework.util.ClassUtils;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * The name a client knows a controller parameter by: the query parameter, path variable, header or part it binds,
 * not the Java method and parameter the validator reports ({@code list.size}, {@code raw.topK}).
 */
final class ApiParameters {

    private ApiParameters() {
    }

    static String nameOf(MethodParameter parameter) {
        String bound = boundName(parameter);
        if (bound != null) {
            return bound;
        }
        String name = parameter.getParameterName();
        return name != null ? name : "parameter " + (parameter.getParameterIndex() + 1);
    }

    /** A method-validation violation: the parameter it is about, else its path without the method's name. */
    static String nameOf(ConstraintViolation<?> violation) {
        List<Path.Node> nodes = new ArrayList<>();
        violation.getPropertyPath().forEach(nodes::add);
        if (nodes.size() >= 2 && nodes.get(0).getKind() == ElementKind.METHOD
                && nodes.get(1).getKind() == ElementKind.PARAMETER && violation.getRootBean() != null) {
            Path.MethodNode method = nodes.get(0).as(Path.MethodNode.class);
            int index = nodes.get(1).as(Path.ParameterNode.class).getParameterIndex();
            Class<?> type = ClassUtils.getUserClass(violation.getRootBean());
            Method target = org.springframework.util.ReflectionUtils.findMethod(type, method.getName(),
                    method.getParameterTypes().toArray(Class<?>[]::new));
            if (target != null) {
                MethodParameter parameter = new MethodParameter(target, index).withContainingClass(type);
                parameter.initParameterNameDiscovery(new org.springframework.core.DefaultParameterNameDiscoverer());
                String name = nameOf(parameter);
                return nodes.size() == 2 ? name : name + suffix(nodes.subList(2, nodes.size()));
            }
        }
        return nodes.isEmpty() ? "request" : nodes.get(nodes.size() - 1).getName();
    }

    private static String suffix(List<Path.Node> rest) {
        StringBuilder path = new StringBuilder();
        for (Path.Node node : rest) {
            if (node.getIndex() != null) {
                path.append('[').append(node.getIndex()).append(']');
            }
            if (node.getName() != null) {
                path.append('.').append(node.getName());
            }
        }
        return path.toString();
    }

    private static String boundName(MethodParameter parameter) {
        RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
        if (param != null && !param.name().isEmpty()) {
            return param.name();
        }
        PathVariable path = parameter.getParameterAnnotation(PathVariable.class);
        if (path != null && !path.name().isEmpty()) {
            return path.name();
        }
        RequestHeader header = parameter.getParameterAnnotation(RequestHeader.class);
        if (header != null && !header.name().isEmpty()) {
            return header.name();
        }
        RequestPart part = parameter.getParameterAnnotation(RequestPart.class);
        if (part != null && !part.name().isEmpty()) {
            return part.name();
        }
        return null;
    }
}
