/**
 * Per-container network namespace files, INSIDE the rootless namespace. `ip netns add` cannot
 * be used there (/run/netns is the read-only host /run), so a namespace is pinned by bind-mounting
 * it onto a plain file: `unshare --net=FILE true` (research/rootless-spike.md §2).
 */
import { existsSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { execTool, mustExec } from "./exec.ts";

export async function createNetns(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, "");
  await mustExec(["unshare", `--net=${path}`, "true"]);
}

/** Unpins and deletes the file; a missing file is fine (idempotent teardown). */
export async function removeNetns(path: string): Promise<void> {
  if (!existsSync(path)) return;
  await execTool(["umount", path]);
  rmSync(path, { force: true });
}
