/**
 * Build-time macros (imported `with { type: "macro" }`): the web client is bundled for the browser
 * and its static files read while kitten itself is bundled, so `bun build --compile` carries the
 * UI inside the binary as strings — no files beside it, no CDN. Under `bun test` the same macros
 * run when the module is first loaded. (A macro cannot call Bun.build, hence the CLI.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export function clientBundle(): string {
  const entry = join(import.meta.dir, "client", "main.ts");
  const r = Bun.spawnSync([process.execPath, "build", entry, "--target=browser", "--format=esm", "--minify"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  if (r.exitCode !== 0) throw new Error(`bundling the web client failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

export function webFile(name: string): string {
  return readFileSync(join(import.meta.dir, name), "utf8");
}
