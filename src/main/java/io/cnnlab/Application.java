package io.cnnlab;

import io.cnnlab.nativeruntime.NativeBackend;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class Application {

    public static void main(String[] args) {
        // before any network exists: DL4J decides per layer, at creation, whether it gets a oneDNN helper
        NativeBackend.activate();
        SpringApplication.run(Application.class, args);
    }
}
