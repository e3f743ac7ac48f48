#!/usr/bin/env bash
# Benchmarks of issue #6 (results go to docs/benchmarks.md by hand, with date and machine):
#  1. a 10-service stack in 3 dependency levels: `up -d` until every container runs, then
#     `down`, median of 5, kitten against podman-compose in the same run (docker-compose when a
#     docker engine answers). Every service runs busybox `sleep` behind a shell that exits on
#     SIGTERM, so no tool waits out a stop timeout; kitten uses a busybox rootfs directory,
#     podman the same files imported as an image.
#  2. `kitten ps` of a project with 200 containers (binary, end to end), and the engine path in
#     process (bench/up/ps-inprocess.ts).
# Usage: bench/up/run.sh   (as root; builds dist/kitten; needs hyperfine, podman, podman-compose)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed" >&2; exit 1; }
bun run build >/dev/null
repo=$PWD
work=$(mktemp -d /tmp/kbench-up-XXXXXX)
chmod 755 "$work"
export KITTEN_ROOT=$work/root
mkdir -p "$KITTEN_ROOT" "$work/k" "$work/p"
image=localhost/kitten-bench-busybox:latest
cleanup() {
  (cd "$work/k" && "$repo/dist/kitten" down -t 1 >/dev/null 2>&1) || true
  (cd "$work/k200" 2>/dev/null && "$repo/dist/kitten" down -t 1 >/dev/null 2>&1) || true
  (cd "$work/p" && podman-compose down -t 1 >/dev/null 2>&1) || true
  podman rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# the image: busybox-static and its applets
mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc"
cp /usr/bin/busybox "$work/rootfs/bin/busybox"
for a in sh sleep true; do ln -s busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
podman import -q "$work/rootfs.tar" "$image" >/dev/null

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
out=${BENCH_OUT:-bench/up/results}
mkdir -p "$out"

echo "== up -d of 10 services in 3 levels (prepare: down)"
hyperfine --runs 5 --export-markdown "$out/up.md" --export-json "$out/up.json" \
  --command-name "kitten up -d" --prepare "cd $work/k && $repo/dist/kitten down -t 1 >/dev/null 2>&1 || true" "cd $work/k && $repo/dist/kitten up -d >/dev/null 2>&1" \
  --command-name "podman-compose up -d" --prepare "cd $work/p && podman-compose down -t 1 >/dev/null 2>&1 || true" "cd $work/p && podman-compose up -d >/dev/null 2>&1"

echo "== down of the same stack (prepare: up -d)"
hyperfine --runs 5 --export-markdown "$out/down.md" --export-json "$out/down.json" \
  --command-name "kitten down" --prepare "cd $work/k && $repo/dist/kitten up -d >/dev/null 2>&1" "cd $work/k && $repo/dist/kitten down -t 1 >/dev/null 2>&1" \
  --command-name "podman-compose down" --prepare "cd $work/p && podman-compose up -d >/dev/null 2>&1" "cd $work/p && podman-compose down -t 1 >/dev/null 2>&1"

if docker info >/dev/null 2>&1 && command -v docker-compose >/dev/null; then
  echo "== docker-compose: a docker engine answers, but this script does not benchmark it yet"
else
  echo "== docker-compose: skipped (no docker engine answers on this host)"
fi

echo "== kitten ps with 200 containers"
mkdir -p "$work/k200"
{ echo "name: benchps"; echo "services:"; for i in $(seq 0 19); do
  echo "  s$i:"; echo "    image: $work/rootfs"; echo "    command: [\"sleep\", \"1000\"]"; echo "    deploy: {replicas: 10}"; done; } > "$work/k200/compose.yaml"
(cd "$work/k200" && "$repo/dist/kitten" up -d >/dev/null 2>&1)
hyperfine --warmup 3 --runs 20 -N --export-markdown "$out/ps-200.md" --export-json "$out/ps-200.json" \
  "$repo/dist/kitten ps -p benchps -a"
bun bench/up/ps-inprocess.ts 200 50
