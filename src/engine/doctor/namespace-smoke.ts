/**
 * The rootless namespace check: a real rootlesskit start the way kitten starts a project's
 * namespace (research/rootless-spike.md §1a: slirp4netns, builtin port driver, pid namespace),
 * running a shell that confirms the tap device. It proves /dev/net/tun, slirp4netns, the id
 * maps and rootlesskit together; rootlesskit removes its state dir, we remove the temp dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec, findExecutable } from "./exec.ts";
import { fail, ok, type Check } from "./types.ts";

const NAME = "rootless namespace";

export async function checkNamespace(env: Record<string, string | undefined>): Promise<Check> {
  const rootlesskit = findExecutable("rootlesskit", env.PATH);
  if (!rootlesskit || !findExecutable("slirp4netns", env.PATH)) {
    return fail(NAME, "cannot start one without rootlesskit and slirp4netns (see above)", null);
  }
  const dir = mkdtempSync(join(tmpdir(), "kitten-doctor-rk-"));
  try {
    const result = await exec(
      [
        rootlesskit,
        `--state-dir=${join(dir, "state")}`,
        "--net=slirp4netns",
        "--mtu=65520",
        "--disable-host-loopback",
        "--port-driver=builtin",
        "--pidns",
        "sh",
        "-c",
        "test -e /sys/class/net/tap0 && test \"$(id -u)\" = 0",
      ],
      { env, timeoutMs: 15_000 },
    );
    if (result.code === 0) return ok(NAME, "rootlesskit started a user, mount, network and pid namespace with slirp4netns");
    const reason = result.spawnError ?? rootlesskitError(result.stderr) ?? `exit ${result.code}`;
    return fail(NAME, `rootlesskit cannot start a namespace: ${reason}`, namespaceFix(reason));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first error line of rootlesskit's logrus/parent output, without the timestamp noise. */
export function rootlesskitError(stderr: string): string | undefined {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => /level=(error|fatal)/.test(l) || l.includes("error:"));
  if (!error) return lines.filter((l) => !l.includes("level=warning")).at(-1);
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(error)?.[1];
  return (msg ?? error).replace(/\\"/g, '"');
}

/** The fix for the failures seen in the spike (research/rootless-spike.md §0). */
export function namespaceFix(reason: string): string | null {
  if (/tun|tap0/i.test(reason)) return "chmod 0666 /dev/net/tun";
  if (/newuidmap|newgidmap|uid_map|gid_map/i.test(reason)) return "apt-get install -y uidmap";
  return null;
}
