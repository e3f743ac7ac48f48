#!/usr/bin/env bash
# Rootless podman side of bench/net (run as an unprivileged user, e.g. via runuser -u kittest).
# usage: podman.sh <workdir> <rootfs.tar> <host-port> <seconds>
# Prints two lines: "podman host->container <bits/s>" and "podman container->container <bits/s>".
# Setup as research/rootless-spike.md §6: XDG dirs in a temp dir, cgroupfs, runc, overlay.
set -euo pipefail
W=$1; TAR=$2; PORT=$3; SECS=$4
export XDG_RUNTIME_DIR=$W/xdg XDG_CONFIG_HOME=$W/config XDG_DATA_HOME=$W/data HOME=$W
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME/containers" "$XDG_DATA_HOME"; chmod 0700 "$XDG_RUNTIME_DIR"
cat > "$XDG_CONFIG_HOME/containers/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=10000:10000", "nproc=5000:5000"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
cat > "$XDG_CONFIG_HOME/containers/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$W/storage"
runroot = "$W/runroot"
CONF
cleanup() {
  podman rm -f -t 0 bench-srv bench-srv2 >/dev/null 2>&1 || true
  podman network rm -f benchnet >/dev/null 2>&1 || true
  podman system reset -f >/dev/null 2>&1 || true
}
trap cleanup EXIT
podman import -q "$TAR" localhost/kitten-bench-iperf:1 >/dev/null
podman network create benchnet >/dev/null
bps() { sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | tail -1; }
# host -> container: a published port on a bridge network (rootlessport, podman's default handler)
podman run -d --name bench-srv --network benchnet -p "127.0.0.1:$PORT:5201" localhost/kitten-bench-iperf:1 iperf3 -s >/dev/null
for i in $(seq 30); do iperf3 -c 127.0.0.1 -p "$PORT" -t 1 >/dev/null 2>&1 && break; sleep 0.2; done
sleep 1 # iperf3's server takes a moment to accept the next test
echo "podman host->container $(iperf3 -c 127.0.0.1 -p "$PORT" -t "$SECS" -J | bps)"
# container -> container on the same bridge network, by name (aardvark-dns)
podman run --rm --network benchnet localhost/kitten-bench-iperf:1 sh -c "sleep 0.5; iperf3 -c bench-srv -t $SECS -J" > "$W/c2c.json"
echo "podman container->container $(bps < "$W/c2c.json")"
