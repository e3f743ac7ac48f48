#!/usr/bin/env bash
# The quick start on a fresh Debian 12, as root, in a clone of this repository: set up the host,
# build dist/kitten, then run the main job — the webstack example (nginx → a Python API →
# postgres + redis), its four images built from Dockerfiles on debian:bookworm-slim with Debian's
# packages — with `kitten up -d --wait`, and show it answering: a row written to postgres and read
# back through nginx and the API, a counter in redis.
#
# No image registry is needed: debian:bookworm-slim is made from Debian's mirror by
# scripts/debian-base.sh (debootstrap, cached in /var/cache/kitten). The web port is published on
# 127.0.0.1 only (QUICKSTART_PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."

FILE=compose-examples/webstack/compose.yaml
PORT=${QUICKSTART_PORT:-8080}
URL=http://127.0.0.1:$PORT

bash scripts/setup-host.sh
bun run build

# a second run finds the port held by its own webstack, which `up` then leaves alone
if ss -Hltn "sport = :$PORT" | grep -q . && [ "$(dist/kitten port webstack-web-1 80 2>/dev/null)" != "127.0.0.1:$PORT" ]; then
  echo "quickstart: port $PORT is already in use on this host; run again with QUICKSTART_PORT=<free port>" >&2
  exit 1
fi

# 1. the base image the Dockerfiles start FROM
bash scripts/debian-base.sh

# 2. the main job: the webstack example — its images built from their Dockerfiles when missing
# (kitten's builder; cached steps afterwards), then started, detached, once every service is healthy
echo
echo "\$ dist/kitten up -d --wait -f $FILE"
WEB_PORT="127.0.0.1:$PORT" dist/kitten up -d --wait -f "$FILE"
echo
echo "\$ dist/kitten ps -f $FILE"
dist/kitten ps -f "$FILE"
show() { # description, then the command
  echo
  echo "\$ ${*:2}    # $1"
  "${@:2}"
}
show "the API through nginx: it answers with the postgres and redis versions it talks to" curl -fsS --max-time 10 "$URL/api/"
echo
echo "\$ curl -fsS -X POST -H 'content-type: application/json' -d '{\"text\":\"hello from the quickstart\"}' $URL/api/notes    # write a row to postgres"
note=$(curl -fsS --max-time 10 -X POST -H 'content-type: application/json' -d '{"text":"hello from the quickstart"}' "$URL/api/notes")
echo "$note"
id=$(sed -n 's/^{"id": \([0-9]*\),.*/\1/p' <<<"$note")
show "read it back from postgres" curl -fsS --max-time 10 "$URL/api/notes/$id"
show "a counter in redis" curl -fsS --max-time 10 -X POST "$URL/api/hits"
show "again: it counts" curl -fsS --max-time 10 -X POST "$URL/api/hits"
show "web reaches api by name on their network" dist/kitten exec webstack-web-1 curl -fsS http://api:8000/healthz
echo
cat <<EOF
The webstack example is running (web on $URL/, the API under $URL/api/). Next:
  dist/kitten logs -f -p webstack                 # follow every service's output (Ctrl-C stops following)
  dist/kitten down -f $FILE     # stop and remove it (-v: the db and cache volumes too)
EOF
