#!/usr/bin/env bash
# A private, throw-away docker engine for the docker-compose baseline of bench/up/run.sh
# (rootful; research/rootless-spike.md §7), and its complete removal afterwards.
#
#   bench/up/dockerd.sh start DIR   start dockerd (and its managed containerd) with data, exec
#                                   root, socket and pidfile under DIR; prints the DOCKER_HOST
#   bench/up/dockerd.sh stop DIR    stop them by PID, delete docker0 and every DOCKER* iptables
#                                   chain and rule dockerd created, remove DIR, then verify that
#                                   the nft ruleset, links and sysctls equal those saved by start
#
# Needs the Debian packages docker.io and docker-compose (not part of scripts/setup-host.sh).
# Uses /usr/bin/docker and /usr/sbin/dockerd, never a docker found elsewhere on PATH.
set -euo pipefail
cmd=${1:?usage: dockerd.sh start|stop DIR}
dir=${2:?usage: dockerd.sh start|stop DIR}

snapshot() { # $1 = prefix: what dockerd may change on the host, without packet counters
  nft -s list ruleset > "$1.nft" 2>/dev/null
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort > "$1.links"
  cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/bridge/bridge-nf-call-iptables \
    /proc/sys/net/bridge/bridge-nf-call-ip6tables > "$1.sysctl" 2>/dev/null || true
  ls -a /etc/docker /run /var/run > "$1.files" 2>/dev/null || true
}

case $cmd in
start)
  # the stop step removes every DOCKER* chain and docker0: refuse when another docker owns them
  if ip link show docker0 >/dev/null 2>&1 || iptables -S | grep -q '^-N DOCKER'; then
    echo "error: docker0 or DOCKER iptables chains exist already (another docker engine?)" >&2; exit 1
  fi
  mkdir -p "$dir/before"
  snapshot "$dir/before/host"
  for t in filter nat mangle raw; do iptables -t "$t" -S > "$dir/before/iptables-$t"; done
  [ -e /etc/docker/key.json ] && touch "$dir/before/had-key-json"
  mkdir -p "$dir/data" "$dir/exec"
  setsid /usr/sbin/dockerd --iptables=true --data-root "$dir/data" --exec-root "$dir/exec" \
    -H "unix://$dir/docker.sock" --pidfile "$dir/dockerd.pid" > "$dir/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 100); do
    DOCKER_HOST=unix://$dir/docker.sock /usr/bin/docker info >/dev/null 2>&1 && break
    sleep 0.2
  done
  DOCKER_HOST=unix://$dir/docker.sock /usr/bin/docker info >/dev/null 2>&1 \
    || { echo "error: dockerd did not answer; see $dir/dockerd.log" >&2; exit 1; }
  echo "unix://$dir/docker.sock"
  ;;
stop)
  [ -d "$dir/before" ] || { echo "error: $dir was not started by dockerd.sh" >&2; exit 1; }
  ok=1
  # dockerd's managed containerd: its pid, found as the child of dockerd, before dockerd goes
  dpid=$(cat "$dir/dockerd.pid" 2>/dev/null || true)
  cpids=""
  if [ -n "$dpid" ]; then cpids=$(pgrep -P "$dpid" -x containerd || true); fi
  for p in $dpid; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 150); do
    alive=""; for p in $dpid $cpids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    sleep 0.2
  done
  for p in $dpid $cpids; do
    if kill -0 "$p" 2>/dev/null; then echo "warning: pid $p still alive, SIGKILL" >&2; kill -9 "$p" || true; fi
  done
  # docker0 and any leftover compose bridge (br-<12 hex>) that was not there before
  for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'); do
    case $l in docker0|br-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f])
      grep -qx "$l" "$dir/before/host.links" || ip link del "$l" 2>/dev/null || true ;;
    esac
  done
  # iptables: delete the rules dockerd added (new since start and naming DOCKER or a docker
  # bridge), newest first, then its DOCKER* chains; rules of other tools are left alone
  for t in filter nat mangle raw; do
    { iptables -t "$t" -S | grep -vxFf "$dir/before/iptables-$t" | grep '^-A ' \
      | grep -E 'DOCKER|docker0|br-[0-9a-f]{12}' || true; } | tac | while read -r -a rule; do
        rule[0]=-D; iptables -t "$t" "${rule[@]}" || true
      done
    for c in $(iptables -t "$t" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t "$t" -F "$c" && iptables -t "$t" -X "$c" || true
    done
  done
  # mounts left under DIR (netns files of the exec root, overlays), deepest first
  awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
    umount -l "$m" || true
  done
  # files dockerd writes outside its own directories
  [ -e "$dir/before/had-key-json" ] || rm -f /etc/docker/key.json
  for f in /run/docker /run/containerd; do   # plugin and shim socket dirs, empty once stopped
    grep -qx "$(basename "$f")" "$dir/before/host.files" || rm -rf "$f"
  done
  snapshot "$dir/after"
  for f in nft links sysctl files; do
    if ! diff -u "$dir/before/host.$f" "$dir/after.$f" >&2; then
      echo "error: the host's $f differs from before dockerd started (diff above)" >&2; ok=0
    fi
  done
  if [ $ok = 1 ]; then
    rm -rf "$dir"
    echo "dockerd stopped; host nft ruleset, links, sysctls and files as before"
  else
    echo "error: left $dir for inspection" >&2; exit 1
  fi
  ;;
*) echo "usage: dockerd.sh start|stop DIR" >&2; exit 2 ;;
esac
