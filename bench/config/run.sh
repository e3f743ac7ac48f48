#!/usr/bin/env bash
# Benchmarks of issue #2 (results go to docs/benchmarks.md by hand, with date and machine):
#  1. loading + planning a generated 300-service compose file: `kitten up --dry-run --format json`
#     end to end, plus an in-process split of loading vs planning once warm (podman-compose
#     1.0.3, the peer installed here, has no `config` command to compare with);
#  2. startup of the compiled binary: `kitten --version` (target ~30 ms).
# Usage: bun run bench:config   (builds dist/kitten first; needs hyperfine)
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v hyperfine >/dev/null || { echo "error: hyperfine is not installed" >&2; echo "hint: apt-get install -y hyperfine" >&2; exit 1; }
bun run build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bun bench/config/generate.ts "$work/compose.yaml" 300
out=${BENCH_OUT:-bench/config/results}
mkdir -p "$out"

echo "== load and plan a 300-service file"
hyperfine --warmup 3 --runs 20 -N --export-markdown "$out/plan-300.md" --export-json "$out/plan-300.json" \
  "dist/kitten up --dry-run -f $work/compose.yaml --format json"
bun bench/config/inprocess.ts "$work/compose.yaml" 30

echo "== startup"
hyperfine --warmup 5 --runs 50 -N --export-markdown "$out/version.md" --export-json "$out/version.json" "dist/kitten --version"
