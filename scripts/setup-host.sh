#!/usr/bin/env bash
# Prepares a fresh Debian 12 host for kitten and its tests (run as root, idempotent):
# packages, bun and node modules, /dev/net/tun access, subordinate id ranges for root and for
# the unprivileged test user `kittest` (research/rootless-spike.md §0 and "Host prerequisites").
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "error: scripts/setup-host.sh must run as root" >&2
  echo "hint: sudo bash scripts/setup-host.sh" >&2
  exit 2
fi

PACKAGES=(runc crun rootlesskit slirp4netns uidmap containernetworking-plugins catatonit iproute2 nftables conmon
  fuse-overlayfs busybox-static skopeo umoci docker-registry apache2-utils iperf3 hyperfine ca-certificates curl
  openssl tar podman
  # issue #15: the browser tests' chromium, and wrk for bench/api
  chromium wrk
  # issue #11: buildah is the conformance oracle and benchmark peer of kitten build; xz and bzip2 for ADD archives;
  # debootstrap makes the webstack's debian:bookworm-slim (scripts/debian-base.sh)
  buildah xz-utils bzip2 debootstrap
  # issue #14: node runs the fuzzer (V8 block coverage guides it; bun has no such API)
  nodejs
  # issue #13: the fault suite's real database (test/fault: run from the host's /usr, read-only)
  postgresql)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's docker-registry package starts a system registry on :5000; tests start their own.
if command -v systemctl >/dev/null && systemctl is-active -q docker-registry 2>/dev/null; then systemctl stop docker-registry || true; fi

# bun comes from npm (the only registry besides Debian's this host reaches); pinned to the
# version the project is tested with.
BUN_VERSION=1.4.5
if ! command -v bun >/dev/null; then
  if ! command -v npm >/dev/null; then
    echo "setup: installing npm"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "setup: installing bun $BUN_VERSION from npm"
  npm install -g --silent "bun@$BUN_VERSION" >/dev/null
fi
[ -d node_modules ] || bun install --frozen-lockfile >/dev/null 2>&1 || bun install >/dev/null

# /dev/net/tun must be usable by unprivileged users for slirp4netns (this VM has no udev).
[ -c /dev/net/tun ] && chmod 0666 /dev/net/tun
[ -c /dev/fuse ] && chmod 0666 /dev/fuse

# Subordinate ids: root uses the same rootless path as everyone else, so it needs a range too.
add_subids() { # user start
  grep -q "^$1:" /etc/subuid 2>/dev/null || echo "$1:$2:65536" >> /etc/subuid
  grep -q "^$1:" /etc/subgid 2>/dev/null || echo "$1:$2:65536" >> /etc/subgid
}
add_subids root 100000
id kittest >/dev/null 2>&1 || useradd --create-home --shell /bin/bash kittest
add_subids kittest 300000
# kube tests drive the real kubectl (>= 1.27 for ApplySets); these machines come with 1.32 from the
# Google Cloud CLI package. Debian 12's kubernetes-client is 1.20, too old, so it is not a fallback.
command -v kubectl >/dev/null || echo "setup: warning: kubectl is missing: test/e2e/kube-apply.test.ts's kubectl case will fail (install kubectl >= 1.27)" >&2
echo "setup: host ready"
