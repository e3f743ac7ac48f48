/** A secret's file is read bounded, and a directory or an endless device is the user's error (#14). */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { materializeSecrets } from "../../../../src/engine/runtime/secret-files.ts";
import type { Project } from "../../../../src/engine/compose/model.ts";

const root = mkdtempSync(join(tmpdir(), "kitten-secret-limits-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };

const project = (file: string): Project =>
  ({
    name: "p",
    services: { web: { image: "x", environment: {}, ports: [], secrets: [{ source: "s", target: "/run/secrets/s" }] } },
    networks: {},
    volumes: {},
    secrets: { s: { name: "p_s", file } },
  }) as unknown as Project;

test.each([
  ["/dev/zero", "is larger than 16 MB"],
  ["/proc/self", "cannot be read (EISDIR)"],
])("a secret file %p is refused with exit 2 and a hint", (file, message) => {
  try {
    materializeSecrets(paths, project(file), {});
    throw new Error("accepted");
  } catch (err) {
    expect((err as { exitCode?: number }).exitCode).toBe(2);
    expect((err as Error).message).toBe(`secret "s": file ${file} ${message}`);
    expect((err as { hint?: string }).hint).toBeDefined();
  }
});
