/**
 * A second consumer of kitten's YAML: Debian's podman 4.3.1 (`podman kube play`, research/kube.md
 * §3) runs what `kitten kube export` writes — a Deployment with a hostPort, env from an env_file
 * ConfigMap (envFrom), a directory bind mount as a ConfigMap volume and a named volume as a
 * PersistentVolumeClaim — for real, with runc, as root and as `kittest` (rootless), each with its
 * own podman storage; and accepts a compose example with `--start=false`. Images come from the
 * local registry through a registries.conf mirror. Services are skipped by podman (info level).
 *
 * What podman 4.3.1 cannot run, measured here, and Kubernetes can: env from a Secret played in
 * the same file (podman stores the Secret as YAML and then reads it as JSON: "secret ... is not
 * valid JSON") and a ConfigMap file mounted with subPath (it mounts the whole volume: "not a
 * directory"). docs/kubernetes.md lists both; `kitten kube play` handles both.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, TEST_USER, kitten, requireBinary, userIds } from "./helpers.ts";
import { freePort } from "./run-fixtures.ts";
import { startRegistry, type Registry } from "../fixtures/registry.ts";

requireBinary();

let registry: Registry;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry();
  await registry.pushBusyboxImage("nginx:latest");
  dir = mkdtempSync(join(tmpdir(), "kitten-kube-podman-"));
  chmodSync(dir, 0o755);
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Podman {
  run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** storage reset, and the pause process rootless podman leaves holding its user namespace */
  cleanup(): Promise<void>;
}

/** podman with its own storage under `home`, runc and cgroupfs (this host is cgroup v1), as `user`. */
function podman(home: string, user?: string): Podman {
  mkdirSync(join(home, "xdg"), { recursive: true, mode: 0o700 });
  writeFileSync(join(home, "registries.conf"), `unqualified-search-registries = ["docker.io"]\n[[registry]]\nprefix = "docker.io"\nlocation = "${registry.host}"\ninsecure = true\n`);
  writeFileSync(join(home, "containers.conf"), `[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n[containers]\ndefault_ulimits = []\n`);
  if (user) for (const p of [home, join(home, "xdg"), join(home, "registries.conf"), join(home, "containers.conf")]) chownSync(p, userIds(user).uid, userIds(user).gid);
  const env = { HOME: home, XDG_RUNTIME_DIR: join(home, "xdg"), CONTAINERS_REGISTRIES_CONF: join(home, "registries.conf"), CONTAINERS_CONF: join(home, "containers.conf"), PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const base = ["podman", "--root", join(home, "storage"), "--runroot", join(home, "run"), "--cgroup-manager", "cgroupfs"];
  return {
    async run(args) {
      const argv = user ? ["runuser", "-u", user, "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...base, ...args] : [...base, ...args];
      const proc = Bun.spawn(argv, { env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { code, stdout, stderr };
    },
    async cleanup() {
      await this.run(["system", "reset", "-f"]);
      const pidFile = join(home, "xdg", "libpod", "tmp", "pause.pid");
      const pid = Number(await Bun.file(pidFile).text().catch(() => ""));
      if (pid > 0) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
    },
  };
}

/** A project using what podman 4.3.1 supports, exported by kitten into `home`/stack.yaml. */
async function exportStack(home: string, port: number, owner?: string): Promise<string> {
  const project = join(home, "project");
  mkdirSync(join(project, "site"), { recursive: true });
  writeFileSync(join(project, "site", "index.html"), "<h1>served from a ConfigMap</h1>\n");
  writeFileSync(join(project, "web.env"), "FROM_FILE=yes\nLEVEL=debug\n");
  writeFileSync(join(project, "compose.yaml"), `name: podplay\nservices:\n  web:\n    image: nginx:latest\n    ports: ["127.0.0.1:${port}:80"]\n    env_file: ./web.env\n    environment:\n      GREETING: hello\n    volumes:\n      - ./site:/www:ro\n      - data:/data\nvolumes:\n  data: {}\n`);
  const exported = await kitten(["kube", "export", "-f", join(project, "compose.yaml")]);
  expect(exported.code).toBe(0);
  const file = join(home, "stack.yaml");
  writeFileSync(file, exported.stdout);
  if (owner) chownSync(file, userIds(owner).uid, userIds(owner).gid);
  return file;
}

for (const user of [undefined, TEST_USER]) {
  const label = user ?? "root";
  describe(`podman kube play (${label}) runs kitten's export`, () => {
    test("the Deployment serves the ConfigMap's file on its hostPort, with env from the env_file ConfigMap and the claim as a volume", async () => {
      const home = join(dir, label);
      mkdirSync(home, { recursive: true });
      const p = podman(home, user);
      const port = freePort();
      const file = await exportStack(home, port, user);
      try {
        const play = await p.run(["kube", "play", file]);
        expect(play.stderr).not.toContain("Error");
        expect(play.code).toBe(0);
        expect(play.stdout).toContain("podplay-data");
        const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
        expect(await res.text()).toBe("<h1>served from a ConfigMap</h1>\n");
        const env = await p.run(["exec", "web-pod-0-web", "sh", "-c", "echo $FROM_FILE $LEVEL $GREETING; test -d /data && echo data"]);
        expect(env.stdout).toBe("yes debug hello\ndata\n");
      } finally {
        expect((await p.run(["kube", "play", "--down", file])).code).toBe(0);
        await p.cleanup();
      }
    }, 90_000);
  });
}

test("podman kube play --start=false accepts compose example 1's Deployment (root)", async () => {
  const home = join(dir, "start-false");
  mkdirSync(home, { recursive: true });
  const p = podman(home);
  const exported = await kitten(["kube", "export", "-f", join(EXAMPLES, "kitten-single-web.json"), "-p", "single"]);
  const file = join(home, "single.yaml");
  writeFileSync(file, exported.stdout);
  try {
    const play = await p.run(["kube", "play", "--start=false", file]);
    expect(play.stderr).not.toContain("Error");
    expect(play.code).toBe(0);
    expect((await p.run(["ps", "-a", "--format", "{{.Names}}"])).stdout).toContain("nginx-pod-0-nginx");
  } finally {
    await p.run(["kube", "play", "--down", file]);
    await p.cleanup();
  }
}, 90_000);
