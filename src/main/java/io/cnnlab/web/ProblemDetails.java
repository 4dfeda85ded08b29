package io.cnnlab.web;

import io.cnnlab.architectures.UnknownArchitectureException;
import io.cnnlab.checkpoints.CorruptCheckpointException;
import io.cnnlab.datasets.DatasetBusyException;
import io.cnnlab.datasets.DatasetConflictException;
import io.cnnlab.datasets.DatasetNotFoundException;
import io.cnnlab.datasets.DatasetRefusedException;
import io.cnnlab.datasets.ImageDecoder;
import io.cnnlab.inference.InputTooLargeException;
import io.cnnlab.inference.InvalidInputException;
import io.cnnlab.inference.ModelImporter;
import io.cnnlab.inference.OverloadedException;
import io.cnnlab.models.InvalidModelNameException;
import io.cnnlab.models.ModelConflictException;
import io.cnnlab.models.ModelNotFoundException;
import io.cnnlab.jobs.JobNotFoundException;
import io.cnnlab.jobs.JobStateConflictException;
import io.cnnlab.jobs.QueueFullException;
import jakarta.validation.ConstraintViolationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The one mapping from exceptions to RFC 9457 problem details. Expected user errors are logged without a stack
 * trace; anything unexpected is a 500 with a generic message and a logged stack trace.
 */
@RestControllerAdvice
class ProblemDetails extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemDetails.class);

    static URI type(String slug) {
        return URI.create("urn:problem-type:cnn-lab:" + slug);
    }

    /** No key, or a wrong one (the key is never logged or echoed). */
    @ExceptionHandler(org.springframework.security.core.AuthenticationException.class)
    ResponseEntity<ProblemDetail> unauthenticated(org.springframework.security.core.AuthenticationException e) {
        String detail = e instanceof org.springframework.security.authentication.BadCredentialsException
                ? "the API key is not valid"
                : "this endpoint needs an API key: Authorization: Bearer <key> or X-API-Key: <key>";
        return ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"cnn-lab\"")
                .body(problem(HttpStatus.UNAUTHORIZED, "unauthenticated", "Authentication required", detail));
    }

    @ExceptionHandler(org.springframework.security.access.AccessDeniedException.class)
    ProblemDetail forbidden(org.springframework.security.access.AccessDeniedException e) {
        var who = org.springframework.security.core.context.SecurityContextHolder.getContext().getAuthentication();
        log.info("refused: key {} lacks the role for this request", who == null ? "(none)" : who.getName());
        return problem(HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
                "this API key's roles do not allow this request (trainer: jobs and models; client: classify and read; "
                        + "metrics: actuator)");
    }

    @ExceptionHandler({JobNotFoundException.class, ModelNotFoundException.class, DatasetNotFoundException.class,
            EvaluationNotFoundException.class})
    ProblemDetail notFound(RuntimeException e) {
        return problem(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
    }

    @ExceptionHandler(JobStateConflictException.class)
    ProblemDetail jobConflict(JobStateConflictException e) {
        return problem(HttpStatus.CONFLICT, "state-conflict", "Not possible in the job's state", e.getMessage());
    }

    @ExceptionHandler(ModelConflictException.class)
    ProblemDetail modelConflict(ModelConflictException e) {
        return problem(HttpStatus.CONFLICT, "model-conflict", "Conflicts with the model's state", e.getMessage());
    }

    /**
     * Only the service's own user-input exceptions are a 400. An {@link IllegalArgumentException} from inside (ND4J,
     * a broken invariant) is a 500 like any other unexpected error: its text is internal and is not echoed.
     */
    @ExceptionHandler({UnknownArchitectureException.class, InvalidRequestException.class, InvalidModelNameException.class,
            InvalidInputException.class})
    ProblemDetail badRequest(RuntimeException e) {
        log.debug("bad request: {}", e.getMessage());
        return problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", e.getMessage());
    }

    /**
     * A query parameter or path variable outside its bounds ({@code @Validated} controllers). Named as the API names
     * it ({@code size}), not by the validator's path ({@code list.size}).
     */
    @ExceptionHandler(ConstraintViolationException.class)
    ProblemDetail constraintViolation(ConstraintViolationException e) {
        return invalid(e.getConstraintViolations().stream()
                .map(v -> error(ApiParameters.nameOf(v), v.getMessage())).toList());
    }

    @ExceptionHandler(ImageDecoder.UnusableImageException.class)
    ProblemDetail unusableImage(ImageDecoder.UnusableImageException e) {
        return switch (e.reason()) {
            case TOO_LARGE -> problem(HttpStatus.CONTENT_TOO_LARGE, "image-too-large", "Image too large", e.getMessage());
            case UNSUPPORTED -> problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-image", "Unsupported image type", e.getMessage());
            case UNREADABLE -> problem(HttpStatus.BAD_REQUEST, "unreadable-image", "Unreadable image", e.getMessage());
        };
    }

    /** An upload or folder that cannot become a data set; nothing of it is left behind. */
    @ExceptionHandler(DatasetRefusedException.class)
    ProblemDetail datasetRefused(DatasetRefusedException e) {
        log.debug("data set refused ({}): {}", e.reason(), e.getMessage());
        return switch (e.reason()) {
            case NOT_AN_ARCHIVE -> problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "not-an-archive", "Not a zip or tar.gz archive", e.getMessage());
            case DAMAGED_ARCHIVE -> problem(HttpStatus.BAD_REQUEST, "damaged-archive", "Damaged archive", e.getMessage());
            case UNSAFE_ENTRY -> problem(HttpStatus.BAD_REQUEST, "unsafe-archive-entry", "Unsafe archive entry", e.getMessage());
            case TOO_LARGE -> problem(HttpStatus.CONTENT_TOO_LARGE, "dataset-too-large", "Data set over a limit", e.getMessage());
            case NOT_A_DATASET -> problem(HttpStatus.BAD_REQUEST, "not-a-dataset", "Not a usable data set", e.getMessage());
            case INVALID_REQUEST -> problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", e.getMessage());
            case FOLDERS_DISABLED -> problem(HttpStatus.FORBIDDEN, "folder-registration-disabled", "Folder registration is off", e.getMessage());
            case OUTSIDE_ROOTS -> problem(HttpStatus.FORBIDDEN, "outside-dataset-roots", "Outside the data set roots", e.getMessage());
        };
    }

    @ExceptionHandler(DatasetConflictException.class)
    ProblemDetail datasetConflict(DatasetConflictException e) {
        return problem(HttpStatus.CONFLICT, "dataset-conflict", "Conflicts with the data set's use", e.getMessage());
    }

    @ExceptionHandler(DatasetBusyException.class)
    ResponseEntity<ProblemDetail> datasetBusy(DatasetBusyException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "5")
                .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "dataset-imports-busy", "Busy importing", e.getMessage()));
    }

    @ExceptionHandler(ModelImporter.InvalidModelException.class)
    ProblemDetail invalidModel(ModelImporter.InvalidModelException e) {
        return problem(HttpStatus.BAD_REQUEST, "invalid-model", "Invalid model", e.getMessage());
    }

    @ExceptionHandler({PayloadTooLargeException.class, InputTooLargeException.class})
    ProblemDetail payloadTooLarge(RuntimeException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Request too large", e.getMessage());
    }

    @ExceptionHandler(DeclaredLengthLimits.LengthRequiredException.class)
    ProblemDetail lengthRequired(DeclaredLengthLimits.LengthRequiredException e) {
        return problem(HttpStatus.LENGTH_REQUIRED, "length-required", "Length required", e.getMessage());
    }

    @ExceptionHandler(CorruptCheckpointException.class)
    ProblemDetail corruptModel(CorruptCheckpointException e) {
        log.error(e.getMessage());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "model-unavailable", "Model unavailable", e.getMessage());
    }

    @ExceptionHandler(io.cnnlab.datasets.DatasetUnavailableException.class)
    ProblemDetail datasetUnavailable(io.cnnlab.datasets.DatasetUnavailableException e) {
        return problem(HttpStatus.CONFLICT, "dataset-unavailable", "Dataset unavailable", e.getMessage());
    }

    @ExceptionHandler(OverloadedException.class)
    ResponseEntity<ProblemDetail> overloaded(OverloadedException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "1")
                .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "overloaded", "Busy", e.getMessage()));
    }

    @ExceptionHandler(QueueFullException.class)
    ResponseEntity<ProblemDetail> queueFull(QueueFullException e) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(e.retryAfter().toSeconds()))
                .body(problem(HttpStatus.TOO_MANY_REQUESTS, "queue-full", "Too many training jobs", e.getMessage()));
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        List<Map<String, String>> errors = e.getBindingResult().getFieldErrors().stream()
                .map(f -> Map.of("field", f.getField(), "message", String.valueOf(f.getDefaultMessage()))).toList();
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request",
                errors.stream().map(f -> f.get("field") + ": " + f.get("message")).reduce((a, b) -> a + "; " + b)
                        .orElse("invalid request body"));
        problem.setProperty("errors", errors);
        return ResponseEntity.badRequest().body(problem);
    }

    /** A path nothing answers: the same problem type as an unknown job or model, not Spring's {@code about:blank}. */
    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(NoResourceFoundException e, HttpHeaders headers,
                                                                    HttpStatusCode status, WebRequest request) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem(HttpStatus.NOT_FOUND, "not-found", "Not found",
                "nothing at /" + e.getResourcePath() + " (the API is under /api/v1 and /v2; see /v3/api-docs)"));
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException e,
                                                                            HttpHeaders headers, HttpStatusCode status,
                                                                            WebRequest request) {
        List<Map<String, String>> errors = e.getParameterValidationResults().stream()
                .flatMap(result -> result.getResolvableErrors().stream().map(error ->
                        error(ApiParameters.nameOf(result.getMethodParameter()), String.valueOf(error.getDefaultMessage()))))
                .toList();
        return ResponseEntity.badRequest().body(invalid(errors));
    }

    /**
     * A query parameter or path variable of the wrong type ({@code topK=abc}, {@code versions/latest}, an unknown
     * job state): named as the API names it, with the values an enumeration allows.
     */
    @Override
    protected ResponseEntity<Object> handleTypeMismatch(org.springframework.beans.TypeMismatchException e,
                                                        HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String name = e instanceof org.springframework.web.method.annotation.MethodArgumentTypeMismatchException m
                ? m.getName() : String.valueOf(e.getPropertyName());
        Class<?> type = e.getRequiredType();
        String expected;
        if (type != null && type.isEnum()) {
            expected = "one of " + java.util.Arrays.stream(type.getEnumConstants()).map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(", ")) + " (any case)";
        } else if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            expected = "a whole number";
        } else if (type == boolean.class || type == Boolean.class) {
            expected = "true or false";
        } else if (type == double.class || type == Double.class) {
            expected = "a number";
        } else {
            expected = "a valid value";
        }
        return ResponseEntity.badRequest().body(invalid(List.of(error(name,
                "must be " + expected + ", was '" + abbreviated(e.getValue()) + "'"))));
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(
            org.springframework.web.bind.MissingServletRequestParameterException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return ResponseEntity.badRequest().body(invalid(List.of(error(e.getParameterName(),
                "the query parameter is required"))));
    }

    /** A multipart request without the part an operation reads (images and model zips are both sent as {@code file}). */
    @Override
    protected ResponseEntity<Object> handleMissingServletRequestPart(
            org.springframework.web.multipart.support.MissingServletRequestPartException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return ResponseEntity.badRequest().body(invalid(List.of(error(e.getRequestPartName(),
                "the multipart request has no part named '" + e.getRequestPartName() + "'"))));
    }

    /** The {@code Allow} header Spring sets is kept. */
    @Override
    protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(
            org.springframework.web.HttpRequestMethodNotSupportedException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String allowed = e.getSupportedHttpMethods() == null ? "none"
                : e.getSupportedHttpMethods().stream().map(Object::toString).sorted()
                .collect(java.util.stream.Collectors.joining(", "));
        return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED).headers(headers).body(problem(
                HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed",
                e.getMethod() + " is not allowed here; allowed: " + allowed));
    }

    /** Lists what the operation reads, in the detail and in {@code Accept} (and {@code Accept-Post} for a POST). */
    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(
            org.springframework.web.HttpMediaTypeNotSupportedException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String accepted = MediaType.toString(e.getSupportedMediaTypes());
        HttpHeaders answer = new HttpHeaders();
        answer.addAll(headers);
        if (!e.getSupportedMediaTypes().isEmpty()) {
            answer.set(HttpHeaders.ACCEPT, accepted);
            if (request instanceof org.springframework.web.context.request.ServletWebRequest servlet
                    && "POST".equals(servlet.getRequest().getMethod())) {
                answer.set("Accept-Post", accepted);
            }
        }
        String sent = e.getContentType() == null ? "no Content-Type" : "Content-Type " + e.getContentType();
        return ResponseEntity.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE).headers(answer).body(problem(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type",
                sent + " is not accepted here; accepted: " + accepted));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotAcceptable(
            org.springframework.web.HttpMediaTypeNotAcceptableException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return ResponseEntity.status(HttpStatus.NOT_ACCEPTABLE).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem(HttpStatus.NOT_ACCEPTABLE, "not-acceptable", "Not acceptable",
                        "this resource is available as " + MediaType.toString(e.getSupportedMediaTypes())
                                + " (set Accept to one of them)"));
    }

    /**
     * Unreadable JSON. A body beyond Jackson's read constraints (spring.jackson.factory.constraints.read.*: document
     * length, nesting depth, string and number length) is named as such; a too long document is a 413.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(org.springframework.http.converter.HttpMessageNotReadableException e,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        Throwable cause = e.getMostSpecificCause();
        if (cause instanceof tools.jackson.core.exc.StreamConstraintsException limit) {
            boolean tooLong = String.valueOf(limit.getMessage()).startsWith("Document length");
            HttpStatus code = tooLong ? HttpStatus.CONTENT_TOO_LARGE : HttpStatus.BAD_REQUEST;
            return ResponseEntity.status(code).body(problem(code, tooLong ? "body-too-large" : "invalid-request",
                    tooLong ? "Request body too large" : "Invalid request", "request body exceeds a limit: "
                            + limit.getOriginalMessage()));
        }
        if (cause instanceof tools.jackson.core.JacksonException json) {
            List<Map<String, String>> errors = JsonReadErrors.of(json);
            if (!errors.isEmpty()) {
                ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request",
                        errors.stream().map(f -> f.get("field") + ": " + f.get("message")).reduce((a, b) -> a + "; " + b)
                                .orElseThrow());
                problem.setProperty("errors", errors);
                return ResponseEntity.badRequest().body(problem);
            }
            if (json instanceof tools.jackson.core.exc.StreamReadException) {
                return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "invalid-request",
                        "Invalid request", JsonReadErrors.position(json)));
            }
        }
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request",
                "the request body is not readable JSON of the expected shape"));
    }

    /** Beyond the multipart size limits or Tomcat's part count (server.tomcat.max-part-count). */
    @Override
    protected ResponseEntity<Object> handleMaxUploadSizeExceededException(
            org.springframework.web.multipart.MaxUploadSizeExceededException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        Throwable root = org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e);
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(problem(HttpStatus.CONTENT_TOO_LARGE,
                "body-too-large", "Request body too large", "the multipart request exceeds a limit: " + root.getMessage()));
    }

    /** Multipart requests that are malformed or cut off mid-way. */
    @ExceptionHandler(org.springframework.web.multipart.MultipartException.class)
    ProblemDetail badMultipart(org.springframework.web.multipart.MultipartException e) {
        Throwable root = org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e);
        log.debug("bad multipart request: {}", root.toString());
        return problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request",
                "the multipart request could not be read: " + root.getMessage());
    }

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        log.error("unexpected error", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error",
                "the service could not complete the request; the error is logged");
    }

    @Override
    protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers,
                                                          HttpStatusCode statusCode, WebRequest request) {
        if (body instanceof ProblemDetail problem && problem.getType() == null) {
            problem.setType(URI.create("about:blank"));
        }
        return super.createResponseEntity(body, headers, statusCode, request);
    }

    /** A 400 whose detail and {@code errors} name each offending field or parameter. */
    private static ProblemDetail invalid(List<Map<String, String>> errors) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request",
                errors.stream().map(f -> f.get("field") + ": " + f.get("message")).reduce((a, b) -> a + "; " + b)
                        .orElse("invalid request"));
        problem.setProperty("errors", errors);
        return problem;
    }

    private static Map<String, String> error(String field, String message) {
        return Map.of("field", field, "message", message);
    }

    /** A value the client sent, echoed no longer than it needs to be recognised. */
    private static String abbreviated(@Nullable Object value) {
        String text = String.valueOf(value);
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    private static ProblemDetail problem(HttpStatus status, String slug, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type(slug));
        problem.setTitle(title);
        return problem;
    }
}
