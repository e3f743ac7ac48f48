# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM ${BASE}:latest AS build
ARG VERSION=1.0
ENV APP_HOME=/app PATH="/app/bin:$PATH"
WORKDIR $APP_HOME
COPY --chown=1000:1000 --chmod=755 src/ ./src/
RUN --mount=type=cache,target=/root/.cache,id=c1 --mount=type=bind,source=.,target=/ctx \
    echo "building $VERSION" && mkdir -p bin
RUN <<EOF2
set -e
echo heredoc
EOF2
FROM scratch
COPY --from=build /app/bin /bin
LABEL org.opencontainers.image.title="x" a=b
EXPOSE 80/tcp 53/udp 8000-8010
USER 1000:1000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD ["/bin/check"]
STOPSIGNAL SIGTERM
SHELL ["/bin/sh", "-c"]
ONBUILD RUN echo later
ENTRYPOINT ["/bin/app"]
CMD ["--help"]
