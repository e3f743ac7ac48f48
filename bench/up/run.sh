#!/usr/bin/env bash
# Benchmarks of issue #6 (results go to docs/benchmarks.md by hand, with date and machine):
#  1. a 10-service stack in 3 dependency levels: `up -d` until every container runs, then
#     `down`, median of 5, kitten against podman-compose in the same run (and docker-compose, see
#     below). Every service runs busybox `sleep` behind a shell that exits on
#     SIGTERM, so no tool waits out a stop timeout; kitten uses a busybox rootfs directory,
#     podman the same files imported as an image. docker-compose 1.29 runs in the same hyperfine
#     calls against a private dockerd started by bench/up/dockerd.sh (rootful, own data/exec
#     root and socket under the temp dir; stopped and removed, with docker0 and its iptables
#     chains, at exit) when /usr/sbin/dockerd and docker-compose are installed (Debian packages
#     docker.io and docker-compose); BENCH_DOCKER=0 skips it.
#  2. `kitten ps` of a project with 200 containers (binary, end to end), and the engine path in
#     process (bench/up/ps-inprocess.ts).
# Usage: bench/up/run.sh   (as root; builds dist/kitten; needs hyperfine, podman, podman-compose,
#        optionally docker.io + docker-compose)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed" >&2; exit 1; }
bun run build >/dev/null
repo=$PWD
work=$(mktemp -d /tmp/kbench-up-XXXXXX)
chmod 755 "$work"
export KITTEN_ROOT=$work/root
mkdir -p "$KITTEN_ROOT" "$work/k" "$work/p" "$work/d"
docker_host=""
image=localhost/kitten-bench-busybox:latest
cleanup() {
  status=$?
  (cd "$work/k" && "$repo/dist/kitten" down -t 1 >/dev/null 2>&1) || true
  (cd "$work/k200" 2>/dev/null && "$repo/dist/kitten" down -t 1 >/dev/null 2>&1) || true
  (cd "$work/p" && podman-compose down -t 1 >/dev/null 2>&1) || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
  if [ -d "$work/docker" ]; then
    (cd "$work/d" && DOCKER_HOST=$docker_host docker-compose down -t 1 >/dev/null 2>&1) || true
    "$repo/bench/up/dockerd.sh" stop "$work/docker" || status=1
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# the image: busybox-static and its applets
mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc"
cp /usr/bin/busybox "$work/rootfs/bin/busybox"
for a in sh sleep true; do ln -s busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
podman import -q "$work/rootfs.tar" "$image" >/dev/null

# docker-compose against a private dockerd, when installed
dimage=kitten-bench-busybox:latest
if [ "${BENCH_DOCKER:-1}" != 0 ] && [ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] && command -v docker-compose >/dev/null; then
  echo "== starting a private dockerd under $work/docker"
  docker_host=$("$repo/bench/up/dockerd.sh" start "$work/docker")
  DOCKER_HOST=$docker_host /usr/bin/docker import "$work/rootfs.tar" "$dimage" >/dev/null
fi

# 10 services in 3 levels: s0-s2, then s3-s6 (each after two of level 1), then s7-s9
stack() { # $1 = image
  echo "services:"
  for i in 0 1 2 3 4 5 6 7 8 9; do
    echo "  s$i:"
    echo "    image: $1"
    echo "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 1000 & wait\"]"
    if [ "$i" -ge 3 ] && [ "$i" -le 6 ]; then echo "    depends_on: [s$(( i % 3 )), s$(( (i + 1) % 3 ))]"; fi
    if [ "$i" -ge 7 ]; then echo "    depends_on: [s$(( i - 4 )), s$(( i - 3 ))]"; fi
  done
}
{ echo "name: benchk"; stack "$work/rootfs"; } > "$work/k/compose.yaml"
{ echo "version: '3'"; stack "$image"; } > "$work/p/compose.yaml"
{ echo "version: '3'"; stack "$dimage"; } > "$work/d/compose.yaml"
up_d=(); down_d=()
if [ -n "$docker_host" ]; then
  export DOCKER_HOST=$docker_host
  dc="cd $work/d && docker-compose"
  up_d=(--command-name "docker-compose up -d" --prepare "$dc down -t 1 >/dev/null 2>&1 || true" "$dc up -d >/dev/null 2>&1")
  down_d=(--command-name "docker-compose down" --prepare "$dc up -d >/dev/null 2>&1" "$dc down -t 1 >/dev/null 2>&1")
fi
out=${BENCH_OUT:-bench/up/results}
mkdir -p "$out"

echo "== up -d of 10 services in 3 levels (prepare: down)"
hyperfine --runs 5 --export-markdown "$out/up.md" --export-json "$out/up.json" \
  --command-name "kitten up -d" --prepare "cd $work/k && $repo/dist/kitten down -t 1 >/dev/null 2>&1 || true" "cd $work/k && $repo/dist/kitten up -d >/dev/null 2>&1" \
  --command-name "podman-compose up -d" --prepare "cd $work/p && podman-compose down -t 1 >/dev/null 2>&1 || true" "cd $work/p && podman-compose up -d >/dev/null 2>&1" \
  "${up_d[@]}"

echo "== down of the same stack (prepare: up -d)"
hyperfine --runs 5 --export-markdown "$out/down.md" --export-json "$out/down.json" \
  --command-name "kitten down" --prepare "cd $work/k && $repo/dist/kitten up -d >/dev/null 2>&1" "cd $work/k && $repo/dist/kitten down -t 1 >/dev/null 2>&1" \
  --command-name "podman-compose down" --prepare "cd $work/p && podman-compose up -d >/dev/null 2>&1" "cd $work/p && podman-compose down -t 1 >/dev/null 2>&1" \
  "${down_d[@]}"

if [ -n "$docker_host" ]; then
  (cd "$work/d" && docker-compose down -t 1 >/dev/null 2>&1) || true
else
  echo "== docker-compose: skipped (docker.io / docker-compose not installed, or BENCH_DOCKER=0)"
fi

echo "== kitten ps with 200 containers"
mkdir -p "$work/k200"
{ echo "name: benchps"; echo "services:"; for i in $(seq 0 19); do
  echo "  s$i:"; echo "    image: $work/rootfs"; echo "    command: [\"sleep\", \"1000\"]"; echo "    deploy: {replicas: 10}"; done; } > "$work/k200/compose.yaml"
(cd "$work/k200" && "$repo/dist/kitten" up -d >/dev/null 2>&1)
hyperfine --warmup 3 --runs 20 -N --export-markdown "$out/ps-200.md" --export-json "$out/ps-200.json" \
  "$repo/dist/kitten ps -p benchps -a"
bun bench/up/ps-inprocess.ts 200 50
