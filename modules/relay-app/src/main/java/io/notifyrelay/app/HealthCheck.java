package io.notifyrelay.app;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Container health check without curl in the image: exits 0 when the URL answers 200.
 * Usage: {@code java -cp … io.notifyrelay.app.HealthCheck http://localhost:8080/health/ready}
 */
public final class HealthCheck {

    private HealthCheck() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "http://localhost:8080/health/ready";
        try {
            // with RELAY_TLS_* set (the node's own environment) the probe goes over https, trusting the node's cert
            HttpResponse<String> response = HealthCheckTls.client(System.getenv())
                    .send(HttpRequest.newBuilder(HealthCheckTls.target(url, System.getenv())).timeout(Duration.ofSeconds(3))
                            .build(), HttpResponse.BodyHandlers.ofString());
            System.out.println(response.statusCode() + " " + response.body());
            System.exit(response.statusCode() == 200 ? 0 : 1);
        } catch (Exception e) {
            System.out.println("unhealthy: " + e);
            System.exit(1);
        }
    }
}
