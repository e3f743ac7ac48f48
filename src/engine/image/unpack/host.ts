/**
 * The unpacker's host side: starts `kitten __unpack` inside a fresh user namespace that maps
 * root to the caller and ids 1..N to the caller's subordinate range (the same mapping the
 * rootless namespace uses, so unpacked ownership is what containers see), sends it one request
 * and turns its answers into events and errors. Removing unpacked layers goes through the same
 * path: files owned by subordinate ids can't be deleted by an unprivileged user from the host.
 */
import { selfCommand } from "../../../core/self.ts";
import { currentSubIds } from "../../../core/subid.ts";
import { InvalidInputError, RuntimeFailure } from "../../../core/errors.ts";
import type { Reporter } from "../../../core/reporter.ts";
import type { UnpackJob, UnpackMessage } from "./protocol.ts";

export function namespaceCommand(): string[] {
  const ids = currentSubIds();
  return [
    "unshare", "--user", "--map-root-user",
    `--map-users=${ids.subuid.start},1,${ids.subuid.count}`,
    `--map-groups=${ids.subgid.start},1,${ids.subgid.count}`,
    "--mount", "--",
  ];
}

/** Runs jobs in one namespaced child; resolves with its "done"/"removed" messages, rejects with its error. */
export async function runInNamespace(jobs: UnpackJob[], reporter?: Reporter): Promise<UnpackMessage[]> {
  const argv = [...namespaceCommand(), ...selfCommand(), "__unpack"];
  const proc = Bun.spawn(argv, {
    stdin: new Blob([JSON.stringify({ jobs })]),
    stdout: "pipe",
    stderr: "pipe",
    // unshare execs the unpacker in place, so its parent is this process (see dieWithParent)
    env: { ...process.env, KITTEN_UNPACK_PARENT: String(process.pid) },
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const results: UnpackMessage[] = [];
  let failure: Extract<UnpackMessage, { type: "error" }> | undefined;
  for (const line of out.split("\n")) {
    if (!line.trim()) continue;
    let msg: UnpackMessage;
    try {
      msg = JSON.parse(line) as UnpackMessage;
    } catch {
      continue;
    }
    if (msg.type === "warning") reporter?.emit({ type: "warning", message: msg.message });
    else if (msg.type === "error") failure = msg;
    else results.push(msg);
  }
  if (failure) {
    const options = { code: failure.code, hint: failure.hint };
    throw failure.exitCode === 2 ? new InvalidInputError(failure.message, options) : new RuntimeFailure(failure.message, options);
  }
  if (code !== 0) {
    throw new RuntimeFailure(`the unpacker failed (exit ${code}): ${err.trim().split("\n").slice(-1)[0] ?? ""}`, {
      code: "unpack_failed",
      hint: "check that `unshare --user --map-users` works for this user (uidmap package, /etc/subuid and /etc/subgid ranges); `kitten doctor` checks it",
    });
  }
  return results;
}
