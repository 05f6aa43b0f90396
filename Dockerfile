# siplb as a container image, for Docker or Podman:
#   docker build -t siplb:0.1.0 .
#   docker run --network host -v /etc/siplb:/etc/siplb:ro siplb:0.1.0
# Without a Docker engine or a registry, packaging/oci/build-image.sh builds the same root file
# system from Debian packages and commits it with buildah (docs/operations.md).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package \
 && sh packaging/oci/image-config.sh config/siplb.properties /src/siplb.properties

FROM debian:bookworm-slim
# the Java runtime siplb needs, and curl for the health check; the man1 directory lets the JRE's
# postinst register its alternatives in a slim image
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 999 --user-group --home-dir /var/lib/siplb --create-home --shell /usr/sbin/nologin siplb
COPY --from=build /src/lb-transport/target/siplb.jar /usr/share/siplb/siplb.jar
COPY bin/siplb /usr/bin/siplb
COPY --from=build /src/siplb.properties /etc/siplb/siplb.properties
COPY config/dispatcher.list /etc/siplb/dispatcher.list
USER siplb
WORKDIR /var/lib/siplb
# SIP over UDP and TCP, TLS when siplb.listen adds it, the admin API (loopback unless configured)
EXPOSE 5060/udp 5060/tcp 5061/tcp 8080/tcp
# /health answers 503 while draining, so a draining container reports unhealthy
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD curl -fsS http://127.0.0.1:8080/health >/dev/null || exit 1
# SIGTERM drains for siplb.shutdown.drain (10s): give docker stop a longer --time (-t 20)
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/siplb"]
CMD ["--config", "/etc/siplb/siplb.properties"]
