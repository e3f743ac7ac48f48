/**
 * Serves the images of compose-examples/ from a local registry on 127.0.0.1 (random free port),
 * as docker.io through kitten's mirror setting, for the quick start (scripts/quickstart.sh).
 *
 *   bun scripts/example-registry.ts READY_FILE
 *
 * Starts Debian's docker-registry with the tests' fixture code (test/fixtures/registry.ts), pushes
 * the busybox-based stand-ins of the example images (test/fixtures/images.ts — nginx is busybox
 * httpd, postgres and redis are small listeners, python only knows `-m http.server`), then writes
 * `KITTEN_REGISTRY_MIRROR=docker.io=http://127.0.0.1:PORT` and `EXAMPLE_IMAGES="nginx:latest …"`
 * (shell assignments) to READY_FILE and keeps serving until
 * SIGTERM or SIGINT, when it stops the registry and removes its storage.
 */
import { renameSync, writeFileSync } from "node:fs";
import { startRegistry } from "../test/fixtures/registry.ts";

/** Every image the examples use (kitten-*.json and webstack/ with its default tags). */
const EXAMPLE_IMAGES = ["nginx:latest", "nginx:1.27-alpine", "postgres:latest", "postgres:16-alpine", "redis:alpine", "redis:7-alpine", "python:3.11-slim"];

const readyFile = process.argv[2];
if (!readyFile) {
  process.stderr.write("usage: bun scripts/example-registry.ts READY_FILE\n");
  process.exit(2);
}

const registry = await startRegistry();
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await registry.stop();
  process.exit(code);
};
process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(130));

try {
  for (const image of EXAMPLE_IMAGES) await registry.pushBusyboxImage(image);
} catch (err) {
  process.stderr.write(`example registry: ${err instanceof Error ? err.message : String(err)}\n`);
  await stop(1);
}
// shell assignments for scripts/quickstart.sh to `source`
const env = [...Object.entries(registry.mirrorEnv).map(([k, v]) => `${k}=${v}`), `EXAMPLE_IMAGES="${EXAMPLE_IMAGES.join(" ")}"`].join("\n");
// written whole, then renamed: the reader never sees half a file
writeFileSync(`${readyFile}.tmp`, `${env}\n`);
renameSync(`${readyFile}.tmp`, readyFile);
process.stdout.write(`example registry on ${registry.url} serving ${EXAMPLE_IMAGES.join(", ")} as docker.io\n`);
// keep serving until a signal arrives
setInterval(() => {}, 1 << 30);
