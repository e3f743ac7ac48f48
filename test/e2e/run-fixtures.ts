/**
 * Fixtures for the container e2e tests: a busybox rootfs directory image (the Kitten format's
 * "image": "./rootfs") built inside a user namespace of the user who will run it, so its files
 * are owned by that namespace's root and /home/app/data.txt by uid 999, exactly as an image
 * unpacked inside kitten's namespace would be.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kitten, userIds, type RunResult } from "./helpers.ts";

export interface Runner {
  label: string;
  user?: string;
  root: string;
  /** kitten with this runner's user and KITTEN_ROOT */
  k(args: string[], env?: Record<string, string>, timeoutMs?: number): Promise<RunResult>;
}

function subRange(file: string, user: string): { start: number; count: number } {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [who, start, count] = line.split(":");
    if (who === user) return { start: Number(start), count: Number(count) };
  }
  throw new Error(`no ${file} range for ${user}`);
}

/** Builds the rootfs as `user` (root when undefined) inside a userns mapping its subordinate ids. */
export function buildRootfs(user?: string): string {
  const name = user ?? "root";
  const dir = mkdtempSync(join(tmpdir(), "kitten-rootfs-"));
  chmodSync(dir, 0o755);
  if (user) {
    const ids = userIds(user);
    chownSync(dir, ids.uid, ids.gid);
  }
  const su = subRange("/etc/subuid", name);
  const sg = subRange("/etc/subgid", name);
  const script = [
    "set -e",
    `cd ${dir}`,
    "mkdir -p rootfs/bin rootfs/etc rootfs/tmp rootfs/root rootfs/home/app rootfs/www",
    "cp /usr/bin/busybox rootfs/bin/busybox",
    "for a in $(rootfs/bin/busybox --list); do [ $a = busybox ] || ln -s busybox rootfs/bin/$a; done",
    "printf 'root:x:0:0:root:/root:/bin/sh\\napp:x:999:999:app:/home/app:/bin/sh\\n' > rootfs/etc/passwd",
    "printf 'root:x:0:\\napp:x:999:\\nextra:x:1234:app\\n' > rootfs/etc/group",
    "echo data > rootfs/home/app/data.txt",
    "echo hello from the container > rootfs/www/index.html",
    "chmod 1777 rootfs/tmp",
    "chown -R 999:999 rootfs/home/app",
  ].join("\n");
  const argv = [
    "unshare", "--map-root-user", `--map-users=${su.start},1,${su.count}`, `--map-groups=${sg.start},1,${sg.count}`, "sh", "-c", script,
  ];
  const full = user ? ["runuser", "-u", user, "--", ...argv] : argv;
  const r = Bun.spawnSync(full, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`building the rootfs failed: ${r.stderr.toString()}`);
  return join(dir, "rootfs");
}

/** A tar of the rootfs with its in-namespace owners (uid 999 stays 999), made as `user`. */
export function tarRootfs(rootfs: string, user?: string): string {
  const name = user ?? "root";
  const su = subRange("/etc/subuid", name);
  const sg = subRange("/etc/subgid", name);
  const tar = join(rootfs, "..", "rootfs.tar");
  const argv = ["unshare", "--map-root-user", `--map-users=${su.start},1,${su.count}`, `--map-groups=${sg.start},1,${sg.count}`, "tar", "--numeric-owner", "-C", rootfs, "-cf", tar, "."];
  const r = Bun.spawnSync(user ? ["runuser", "-u", user, "--", ...argv] : argv, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`taring the rootfs failed: ${r.stderr.toString()}`);
  return tar;
}

export function removeRootfs(rootfs: string): void {
  rmSync(join(rootfs, ".."), { recursive: true, force: true });
}

export function runner(label: string, root: string, user?: string): Runner {
  return {
    label,
    user,
    root,
    k: (args, env = {}, timeoutMs = 60_000) => kitten(args, { user, env: { KITTEN_ROOT: root, ...env }, timeoutMs }),
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export function writeFile(path: string, text: string): void {
  writeFileSync(path, text);
}
