#!/usr/bin/env bash
# The quick start on a fresh Debian 12, as root, in a clone of this repository: set up the host,
# build dist/kitten, pull the example images from a local registry on 127.0.0.1 (busybox-based
# stand-ins, see compose-examples/README.md), then run the main job — the webstack example
# (nginx → python api → postgres + redis) with `kitten up -d --wait` — and show it answering.
#
# Nothing leaves the machine: the registry listens on 127.0.0.1 and is stopped before the stack
# starts; the web port is published on 127.0.0.1 only (QUICKSTART_PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."

FILE=compose-examples/webstack/compose.yaml
PORT=${QUICKSTART_PORT:-8080}

bash scripts/setup-host.sh
bun run build

# a second run finds the port held by its own webstack, which `up` then leaves alone
if ss -Hltn "sport = :$PORT" | grep -q . && [ "$(dist/kitten port webstack-web-1 80 2>/dev/null)" != "127.0.0.1:$PORT" ]; then
  echo "quickstart: port $PORT is already in use on this host; run again with QUICKSTART_PORT=<free port>" >&2
  exit 1
fi

# 1. pull the example images through kitten's docker.io mirror setting from a local registry
ready=$(mktemp -u /tmp/kitten-quickstart-registry.XXXXXX)
bun scripts/example-registry.ts "$ready" &
registry_pid=$!
stop_registry() {
  if kill -0 "$registry_pid" 2>/dev/null; then
    kill -TERM "$registry_pid"
    wait "$registry_pid" 2>/dev/null || true
  fi
  rm -f "$ready" "$ready.tmp"
}
trap stop_registry EXIT
for _ in $(seq 1 300); do
  [ -f "$ready" ] && break
  kill -0 "$registry_pid" 2>/dev/null || { echo "quickstart: the example registry did not start" >&2; exit 1; }
  sleep 0.1
done
[ -f "$ready" ] || { echo "quickstart: the example registry did not get ready in 30 s" >&2; exit 1; }
# shellcheck disable=SC1090 # KITTEN_REGISTRY_MIRROR=docker.io=http://127.0.0.1:PORT and EXAMPLE_IMAGES="…"
source "$ready"
# shellcheck disable=SC2086 # a list of image references
KITTEN_REGISTRY_MIRROR=$KITTEN_REGISTRY_MIRROR dist/kitten pull $EXAMPLE_IMAGES
stop_registry
trap - EXIT

# 2. the main job: the webstack example, detached, once every service is healthy
echo
echo "\$ dist/kitten up -d --wait -f $FILE"
WEB_PORT="127.0.0.1:$PORT" dist/kitten up -d --wait -f "$FILE"
echo
echo "\$ dist/kitten ps -f $FILE"
dist/kitten ps -f "$FILE"
echo
echo "\$ curl http://127.0.0.1:$PORT/"
curl -fsS --max-time 10 "http://127.0.0.1:$PORT/"
echo
echo "\$ dist/kitten exec webstack-web-1 wget -qO- http://api:8000/    # web reaches api by name"
dist/kitten exec webstack-web-1 wget -qO- http://api:8000/
echo
cat <<EOF
The webstack example is running (web on http://127.0.0.1:$PORT/). Next:
  dist/kitten logs -f -p webstack                 # follow every service's output (Ctrl-C stops following)
  dist/kitten down -f $FILE     # stop and remove it (-v: the db volume too; -t 1: don't wait 10 s per level)
EOF
