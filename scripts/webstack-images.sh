#!/usr/bin/env bash
# TODO(#11): interim, until kitten's own builder lands (then `kitten up` builds the webstack's
# `build:` services itself and this script goes). Builds the images of compose-examples/webstack
# that kitten's store lacks — webstack-web, -api, -db, -cache, from their Dockerfiles on
# debian:bookworm-slim (scripts/debian-base.sh) — with Debian's buildah, as root, and loads each
# into kitten's store (KITTEN_ROOT honoured). buildah keeps its own storage and layer cache under
# /var/cache/kitten/buildah, so a rebuild after a change is fast.
set -euo pipefail
cd "$(dirname "$0")/.."

KITTEN=${KITTEN:-dist/kitten}
CACHE=${KITTEN_BASE_CACHE:-/var/cache/kitten}
BUILDAH=(buildah --root "$CACHE/buildah/root" --runroot /run/kitten-buildah --storage-driver overlay)

for service in web api db cache; do
  image=webstack-$service
  "$KITTEN" image inspect "$image" >/dev/null 2>&1 && continue
  echo "webstack: building $image from compose-examples/webstack/$service/Dockerfile"
  if ! "${BUILDAH[@]}" inspect --type image docker.io/library/debian:bookworm-slim >/dev/null 2>&1; then
    "${BUILDAH[@]}" pull -q "docker-archive:$CACHE/debian-bookworm-slim.docker-archive.tar" >/dev/null
  fi
  "${BUILDAH[@]}" build --quiet --layers --runtime runc -t "$image" "compose-examples/webstack/$service" >/dev/null
  archive=$(mktemp /var/tmp/kitten-webstack.XXXXXX)
  "${BUILDAH[@]}" push --quiet "$image" "docker-archive:$archive:docker.io/library/$image:latest"
  "$KITTEN" image load -i "$archive" >/dev/null
  rm -f "$archive"
done
