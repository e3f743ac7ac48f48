/**
 * Route tests run the real app (guards, routes, the state store in a temp KITTEN_ROOT, log files,
 * the offline drafter) with `app.request()` and no port bound. What would start processes — up,
 * down, the service verbs, the supervisor-backed ps, pulls — is a recording fake behind the
 * ApiEngine interface that writes the state store the way the supervisor does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KittenPaths } from "../../../src/core/paths.ts";
import { createApp } from "../../../src/api/app.ts";
import { Auth } from "../../../src/api/auth.ts";
import { realEngine, type ApiEngine, type Listener } from "../../../src/api/context.ts";
import { apiContext } from "../../../src/api/server.ts";
import type { ContainerRecord } from "../../../src/engine/state/project-store.ts";
import { closeStateDbs } from "../../../src/engine/state/db.ts";

export const TOKEN = "test-token-0123456789abcdef";

export interface Call {
  op: string;
  args: unknown;
}

export interface Harness {
  root: string;
  paths: KittenPaths;
  calls: Call[];
  ctx: ReturnType<typeof apiContext>;
  /** a request as a browser or curl sends it over TCP: Host 127.0.0.1:8080, the bearer token unless `auth: false` */
  req(path: string, init?: RequestInit & { auth?: boolean; listener?: Listener }): Promise<Response>;
  /** put a running project with containers into the store, as `up` would leave it */
  seed(name: string, services: Record<string, { status?: ContainerRecord["status"]; exitCode?: number; restart?: string; logPath?: string }>): void;
  close(): void;
}

export function harness(o: { bodyLimit?: number; pingMs?: number; allowHosts?: string[]; engine?: Partial<ApiEngine> } = {}): Harness {
  const root = mkdtempSync(join(tmpdir(), "kitten-api-"));
  const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  const calls: Call[] = [];
  let ctx!: ReturnType<typeof apiContext>;
  const store = () => ctx.store();
  const record = (project: string, service: string, s: { status?: ContainerRecord["status"]; exitCode?: number; logPath?: string }): ContainerRecord => ({
    name: `${project}-${service}-1`,
    project,
    service,
    replica: 1,
    image: "busybox",
    status: s.status ?? "running",
    ...(s.exitCode === undefined ? {} : { exitCode: s.exitCode }),
    restarts: 0,
    health: "none",
    manualStop: false,
    ...(s.status === "running" || s.status === undefined ? { ports: [{ hostIp: "127.0.0.1", hostPort: 18080, containerPort: 80, protocol: "tcp" as const }] } : {}),
    ...(s.logPath ? { logPath: s.logPath } : {}),
  });
  const engine: ApiEngine = {
    ...realEngine,
    async draft(request, d) {
      return realEngine.draft(request, { ...d, offline: true });
    },
    async up(u, deps) {
      calls.push({ op: "up", args: { project: u.project.name, services: u.services, scale: u.scale, wait: u.wait, configFiles: u.configFiles, workingDir: u.workingDir } });
      deps.reporter.emit({ type: "info", message: `starting ${u.project.name}` });
      store().saveProject({ name: u.project.name, workingDir: u.workingDir, configFiles: u.configFiles, config: u.project });
      const containers = Object.keys(u.project.services).map((s) => record(u.project.name, s, {}));
      for (const c of containers) {
        store().putContainer(c);
        store().appendEvent({ project: c.project, service: c.service, container: c.name, action: "start" });
        deps.reporter.emit({ type: "container", action: "started", container: c.name, service: c.service });
      }
      return { plan: `project ${u.project.name}\n`, containers };
    },
    async down(d) {
      calls.push({ op: "down", args: d });
      const removed = store().listContainers(d.project).map((c) => c.name);
      store().removeProject(d.project);
      return { removed, volumes: [] };
    },
    async serviceCommand(action, s) {
      calls.push({ op: action, args: s });
      const hit = store().listContainers(s.project).filter((c) => !s.services?.length || s.services.includes(c.service));
      for (const c of hit) store().updateContainer(c.name, { status: action === "stop" || action === "kill" ? "exited" : action === "pause" ? "paused" : "running", manualStop: action === "stop" });
      return hit.map((c) => c.name);
    },
    async ps(p) {
      return store().listContainers(p.project);
    },
    async pullImage(ref, p) {
      calls.push({ op: "pull", args: ref });
      p.reporter?.emit({ type: "progress", id: "sha256:abc", action: "downloading", current: 1, total: 2 });
      return { ref: `docker.io/library/${ref}`, id: "sha256:0123", digest: "sha256:4567", layers: 1, downloaded: 1 };
    },
    async diagnose(d) {
      calls.push({ op: "diagnose", args: { project: d.project, services: d.services } });
      return { containers: [], builds: [] };
    },
    ...o.engine,
  };
  ctx = apiContext(
    { paths, cwd: root, version: "test", engine, ...(o.bodyLimit ? { bodyLimit: o.bodyLimit } : {}), pingMs: o.pingMs ?? 60_000, ...(o.allowHosts ? { allowHosts: o.allowHosts } : {}) },
    new Auth(TOKEN),
  );
  const { app } = createApp(ctx);
  return {
    root,
    paths,
    calls,
    ctx,
    req(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("host")) headers.set("host", "127.0.0.1:8080");
      if (init.auth !== false && !headers.has("authorization")) headers.set("authorization", `Bearer ${TOKEN}`);
      return Promise.resolve(app.request(`http://127.0.0.1:8080${path}`, { ...init, headers }, { listener: init.listener ?? "tcp" }));
    },
    seed(name, services) {
      const config = { name, services: Object.fromEntries(Object.entries(services).map(([s, v]) => [s, { image: "busybox", ports: [], environment: {}, ...(v.restart ? { restart: v.restart } : {}) }])), networks: {}, volumes: {} };
      store().saveProject({ name, workingDir: root, configFiles: [], config });
      for (const [s, v] of Object.entries(services)) store().putContainer(record(name, s, v));
    },
    close() {
      closeStateDbs();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Reads server-sent events from a response until `until` says enough (or the stream ends). */
export async function readEvents(res: Response, until: (events: Array<{ id?: string; event?: string; data: string }>) => boolean, timeoutMs = 5000): Promise<Array<{ id?: string; event?: string; data: string }>> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Array<{ id?: string; event?: string; data: string }> = [];
  let buf = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(events)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for events; got ${JSON.stringify(events)}`);
      const r = await Promise.race([reader.read(), Bun.sleep(left).then(() => ({ timeout: true }) as const)]);
      if ("timeout" in r) continue;
      if (r.done) break;
      buf += r.value;
      let end: number;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const e: { id?: string; event?: string; data: string } = { data: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("data: ")) data.push(line.slice(6));
          else if (line.startsWith("id: ")) e.id = line.slice(4);
          else if (line.startsWith("event: ")) e.event = line.slice(7);
        }
        if (data.length) events.push({ ...e, data: data.join("\n") });
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}
