package io.cnnlab.jobs;

/** The name this process claims jobs under, fixed for its life ({@link InstanceProperties}). */
record InstanceId(String value) {
}
