#!/usr/bin/env bash
# The whole test suite, as the README and CI run it: install the node modules, build
# dist/kitten, type-check src/test/bench, then every unit and e2e test. The last line is
# `N passed, N failed`; the exit status is bun test's (or the first failing step's).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "test: bun install"
bun install --frozen-lockfile
echo "test: bun run build"
bun run build
echo "test: tsc --noEmit"
node_modules/.bin/tsc --noEmit

echo "test: bun test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
bun test --timeout 120000 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# bun's summary: lines " 123 pass" and " 0 fail"
passed=$(grep -E '^ *[0-9]+ pass$' "$log" | tail -1 | tr -dc '0-9')
failed=$(grep -E '^ *[0-9]+ fail$' "$log" | tail -1 | tr -dc '0-9')
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -eq 0 ] && [ "${failed:-0}" -ne 0 ]; then status=1; fi
exit "$status"
