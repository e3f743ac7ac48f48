/**
 * Removing a volume's directory. What containers wrote into it may belong to subordinate ids
 * (postgres's uid 999 is a subuid on the host), which an unprivileged user cannot delete from
 * the host: then the removal runs in a user namespace with kitten's id mapping, where those files
 * are the caller's own (the unpacker's `remove` job, as image layers are removed).
 */
import { rmSync } from "node:fs";
import { runInNamespace } from "../image/unpack/host.ts";

export type TreeRemover = (paths: string[]) => Promise<void>;

export const removeTrees: TreeRemover = async (paths) => {
  const left: string[] = [];
  for (const p of paths) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      left.push(p);
    }
  }
  if (left.length > 0) await runInNamespace([{ op: "remove", paths: left }]);
};
