# Notify Relay node. Build: docker build -t notify-relay .
# Run: docker run -e RELAY_KAFKA_BOOTSTRAP_SERVERS=kafka:9092 -e RELAY_JWT_SECRET=... -p 8080:8080 notify-relay
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependency layer, rebuilt only when a POM changes: the POMs alone, then the relay's build without sources, which
# downloads every dependency and plugin the real build below uses. Maven reads every module of the reactor, so
# each one's POM is listed (DeploymentFilesTest checks the list against pom.xml).
COPY pom.xml .
COPY modules/notify-relay-bom/pom.xml modules/notify-relay-bom/
COPY modules/relay-core/pom.xml modules/relay-core/
COPY modules/relay-kafka/pom.xml modules/relay-kafka/
COPY modules/relay-websocket/pom.xml modules/relay-websocket/
COPY modules/relay-app/pom.xml modules/relay-app/
COPY modules/relay-testkit-web/pom.xml modules/relay-testkit-web/
COPY modules/relay-testkit/pom.xml modules/relay-testkit/
COPY modules/relay-testkit-cluster/pom.xml modules/relay-testkit-cluster/
COPY modules/notify-publisher/pom.xml modules/notify-publisher/
COPY modules/relay-dev/pom.xml modules/relay-dev/
COPY modules/relay-it/pom.xml modules/relay-it/
COPY modules/relay-client-java/pom.xml modules/relay-client-java/
COPY modules/relay-chaos/pom.xml modules/relay-chaos/
COPY modules/relay-bench/pom.xml modules/relay-bench/
COPY modules/relay-architecture/pom.xml modules/relay-architecture/
RUN mvn -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl modules/relay-app -am package \
 && rm -rf modules/*/target
# Sources layer (.dockerignore keeps target/, node_modules/ and .git out of the context)
COPY schemas schemas
COPY modules modules
RUN mvn -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl modules/relay-app -am package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 relay && useradd --system --uid 10001 --gid 10001 --no-create-home relay
WORKDIR /opt/notify-relay
COPY --from=build /src/modules/relay-app/target/lib lib
COPY --from=build /src/modules/relay-app/target/relay-app-0.1.0-SNAPSHOT.jar relay-app.jar
COPY deploy/docker/healthcheck bin/healthcheck
# numeric, so that Kubernetes' runAsNonRoot can verify the user is not root (it cannot resolve a name)
USER 10001:10001
EXPOSE 8080
# G1, heap committed up front, half of it young: see scripts/relay and docs/performance.md ("GC")
ENV JAVA_OPTS="-XX:+UseG1GC -XX:InitialRAMPercentage=70 -XX:MaxRAMPercentage=70 -XX:NewRatio=1 -XX:+ExitOnOutOfMemoryError"
# GET /health/ready with bash, no JVM per check (a JVM took 2.3 s and ~66 MB every 5 s). Kubernetes ignores
# HEALTHCHECK and probes the same endpoints itself (deploy/kubernetes).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["/opt/notify-relay/bin/healthcheck"]
# exec form through sh so JAVA_OPTS expands and the JVM is PID 1's child that receives SIGTERM
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp 'relay-app.jar:lib/*' io.notifyrelay.app.Main \"$@\"", "relay"]
