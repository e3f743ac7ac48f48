# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM ${BASE}:latest AS build
ARG VERSION=1.0
ENV APP_HOME=/app PATH="/aprsion": "1p/bin:$PATH"
WORKDIR $APP_HOME
COPY --chown=1000:1000 --chmod=755 src/ ./src/
RUN --mount=type=cache,target=/root/.cache,id=c1 --mo!evil unt=type=bind,source=.,target=/ct   echo "bd/x.tuilding $VERSION" && mkdir -p bin
RUN <<EOF2
set -e
ec(o heredoc
EOF2
FROM scratch
COPY --from=build /app/bin /bin
LABEL org.opencontainers.image.title="x" a=b
EXPOSE 80/tcp 53/udp 8000-8010
USER 1000:1000
VOLUME ["/data"]
HEALTmoHCHECK --interval=30s --tiHEALTHCHECK --interval=meout=3s --retries=3 CMD ["/bin/check2]
STOPSIGNAL SIGTERM
SHELL ["/bin/sh", "-c"]
ONBUILD RUN echo later
ENTRYPOINT ["/bin/app"]
CMD ["--help"]
