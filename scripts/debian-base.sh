#!/usr/bin/env bash
# Puts `debian:bookworm-slim` into kitten's image store, made from Debian's own packages — for
# machines that reach Debian's mirror but no image registry (this project's CI and quick start).
# With a registry in reach nothing here is needed: `FROM debian:bookworm-slim` pulls the real one.
#
#   bash scripts/debian-base.sh            # uses dist/kitten and its default store (KITTEN_ROOT honoured)
#
# 1. If the image is in the store already, nothing happens.
# 2. Else, if the cached archive is missing, it is made (as root): `debootstrap --variant=minbase
#    bookworm` from the host's configured Debian mirror, slimmed the way Debian's official slim
#    images are (dpkg path excludes for docs, man pages and translations; apt configured to keep no
#    .deb files and no package lists), then written as a docker-archive — one uncompressed layer and
#    an image config with docker's PATH and `CMD ["bash"]` — into $KITTEN_BASE_CACHE
#    (/var/cache/kitten by default), where later runs, other users and other KITTEN_ROOTs find it.
# 3. `kitten image load` puts the archive in the store.
#
# Environment: KITTEN (the binary, default dist/kitten), KITTEN_BASE_CACHE, DEBIAN_MIRROR and
# DEBIAN_SECURITY_MIRROR (default: the host's apt sources, else deb.debian.org).
set -euo pipefail
cd "$(dirname "$0")/.."

KITTEN=${KITTEN:-dist/kitten}
IMAGE=debian:bookworm-slim
SUITE=bookworm
CACHE=${KITTEN_BASE_CACHE:-/var/cache/kitten}
ARCHIVE=$CACHE/debian-$SUITE-slim.docker-archive.tar

if "$KITTEN" image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base: $IMAGE is in kitten's image store"
  exit 0
fi

# The first URI apt uses for a suite: deb822 .sources files, then one-line sources.list entries.
apt_uri() { # suite-pattern
  local uri
  uri=$(awk -v pat="$1" '
    /^URIs:/ { uris = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i ~ pat) { print uris; exit } }
    /^$/ { uris = "" }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk -v pat="$1" '$1 == "deb" { for (i = 3; i <= NF; i++) if ($i ~ pat) { print ($2 ~ /^\[/ ? $3 : $2); exit } }' /etc/apt/sources.list | head -1)
  fi
  echo "$uri"
}

make_archive() {
  if [ "$(id -u)" != 0 ]; then
    echo "error: $ARCHIVE is missing, and making it (debootstrap) needs root" >&2
    echo "hint: run \`sudo bash scripts/debian-base.sh\` once; every user can load the archive afterwards" >&2
    exit 2
  fi
  command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed" >&2; echo "hint: bash scripts/setup-host.sh" >&2; exit 2; }
  local mirror security arch work rootfs
  mirror=${DEBIAN_MIRROR:-$(apt_uri "^$SUITE\$")}
  mirror=${mirror:-http://deb.debian.org/debian}
  security=${DEBIAN_SECURITY_MIRROR:-$(apt_uri "^$SUITE-security\$")}
  security=${security:-http://deb.debian.org/debian-security}
  arch=$(dpkg --print-architecture)
  work=$(mktemp -d /var/tmp/kitten-debian-base.XXXXXX)
  # shellcheck disable=SC2064 # expand now: the trap must remove this run's directory
  trap "rm -rf '$work'" EXIT
  rootfs=$work/rootfs

  echo "base: debootstrap --variant=minbase $SUITE from $mirror (about a minute; cached afterwards in $CACHE)"
  debootstrap --variant=minbase --arch="$arch" "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    echo "error: debootstrap failed (log above)" >&2
    exit 1
  }

  # Slim, as Debian's official -slim images are: no docs (copyright files stay), man pages,
  # info pages or translations — now and for every package installed later.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/kitten-slim" <<'EOF'
# made by kitten's scripts/debian-base.sh: a -slim image installs no documentation
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs/usr/share/man/"* "$rootfs/usr/share/groff/"* "$rootfs/usr/share/info/"* "$rootfs/usr/share/lintian/"* "$rootfs/usr/share/linda/"*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  # apt in an image: no .deb files or package lists kept in layers, no translations, and no
  # services started by package scripts (there is no init system in a build step)
  cat >"$rootfs/etc/apt/apt.conf.d/kitten-container" <<'EOF'
// made by kitten's scripts/debian-base.sh, for apt inside container images
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Acquire::CompressionTypes::Order:: "gz";
APT::AutoRemove::SuggestsImportant "false";
EOF
  printf '#!/bin/sh\n# no init system in a container: package scripts start no services\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/log/"*.log \
    "$rootfs/var/log/apt/"* "$rootfs/tmp/"* "$rootfs/root/.bash_history"
  : >"$rootfs/etc/machine-id"
  # the runtime provides /dev; debootstrap's device nodes would only be skipped with a warning
  find "$rootfs/dev" -mindepth 1 -delete
  echo "base: writing $ARCHIVE"

  # the docker-archive: manifest.json, the config, one uncompressed layer named by its digest
  local out=$work/archive created diff config_hex
  mkdir "$out"
  tar --numeric-owner --xattrs --xattrs-include='*' --sort=name -C "$rootfs" -cf "$out/layer.tar" .
  diff=$(sha256sum "$out/layer.tar" | cut -d' ' -f1)
  created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  printf '{"architecture":"%s","os":"linux","created":"%s","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["bash"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"debootstrap --variant=minbase %s %s (kitten scripts/debian-base.sh)"}]}' \
    "$arch" "$created" "$diff" "$created" "$SUITE" "$mirror" >"$out/config.json"
  config_hex=$(sha256sum "$out/config.json" | cut -d' ' -f1)
  mv "$out/config.json" "$out/$config_hex.json"
  mv "$out/layer.tar" "$out/$diff.tar"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s.tar"]}]' "$config_hex" "$IMAGE" "$diff" >"$out/manifest.json"
  mkdir -p "$CACHE"
  tar -C "$out" -cf "$ARCHIVE.tmp" manifest.json "$config_hex.json" "$diff.tar"
  chmod 0644 "$ARCHIVE.tmp"
  mv "$ARCHIVE.tmp" "$ARCHIVE"
  rm -rf "$work"
  trap - EXIT
}

[ -f "$ARCHIVE" ] || make_archive
echo "base: loading $ARCHIVE"
"$KITTEN" image load -i "$ARCHIVE"
