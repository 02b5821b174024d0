# Notify Relay node. Build: docker build -t notify-relay .
# Run: docker run -e RELAY_KAFKA_BOOTSTRAP_SERVERS=kafka:9092 -e RELAY_JWT_SECRET=... -p 8080:8080 notify-relay
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY schemas schemas
COPY modules modules
RUN mvn -q -B -DskipTests -pl modules/relay-app -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 relay
WORKDIR /opt/notify-relay
COPY --from=build /src/modules/relay-app/target/lib lib
COPY --from=build /src/modules/relay-app/target/relay-app-0.1.0-SNAPSHOT.jar relay-app.jar
USER relay
EXPOSE 8080
# G1, heap committed up front, half of it young: see scripts/relay and docs/performance.md ("GC")
ENV JAVA_OPTS="-XX:+UseG1GC -XX:InitialRAMPercentage=70 -XX:MaxRAMPercentage=70 -XX:NewRatio=1 -XX:+ExitOnOutOfMemoryError"
HEALTHCHECK --interval=5s --timeout=5s --start-period=20s --retries=3 \
  CMD ["java", "-cp", "relay-app.jar", "io.notifyrelay.app.HealthCheck", "http://localhost:8080/health/ready"]
# exec form through sh so JAVA_OPTS expands and the JVM is PID 1's child that receives SIGTERM
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp 'relay-app.jar:lib/*' io.notifyrelay.app.Main \"$@\"", "relay"]
