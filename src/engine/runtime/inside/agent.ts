/**
 * The in-namespace agent (`kitten __agent <runtime dir>`): runs as root of the project's user
 * namespace, entered into the holder's namespaces by the host (../agent-process.ts), and serves
 * the typed operations of agent-protocol.ts on `<runtime dir>/agent.sock`, so the host side never
 * pays for nsenter per call. It is a helper: it keeps nothing the containers need in memory
 * (conmon monitors them, kitten0's leases are on disk), so it may die and be started again.
 */
import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { errorText, isKittenError } from "../../../core/errors.ts";
import { AGENT_OPS, type AgentOp } from "../agent-protocol.ts";
import { AGENT_MAX_BODY_BYTES } from "../agent-client.ts";
import { Bridge } from "./bridge.ts";
import { Containers } from "./containers.ts";
import { run } from "./exec.ts";
import { ociRuntime } from "./oci-runtime.ts";
import { handleNetRequest } from "../../../net/agent-ops.ts";
import { tryFileLock } from "../../../core/file-lock.ts";
import { buildIdentity } from "../../../net/namespace/index.ts";
import { agentSocketPath } from "../../../net/namespace/layout.ts";

export async function serveAgent(runtimeDir: string): Promise<never> {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  const socket = agentSocketPath(runtimeDir);
  mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  const logFile = join(runtimeDir, "agent.log");
  const log = (msg: string) => {
    try {
      appendFileSync(logFile, `${new Date().toISOString()} ${msg}\n`);
    } catch {}
  };
  // one agent per namespace: a second one (two commands found it gone at once) leaves at once
  const held = tryFileLock(join(runtimeDir, "agent.lock"));
  if (!held) process.exit(0);
  // runc chdirs and calls getwd: never keep the cwd of whoever started the namespace (it may go)
  process.chdir(runtimeDir);
  const containers = new Containers(runtimeDir);
  const bridge = new Bridge(runtimeDir);
  const build = buildIdentity();
  // concurrent first runs all ask for the smoke test: run it once per runtime and share it
  const smokes = new Map<string, Promise<{ ok: boolean; error?: string }>>();
  const handlers: { [Op in AgentOp]: (req: any) => Promise<unknown> | unknown } = {
    ping: () => ({ pid: process.pid, build }),
    create: (req) => containers.create(req),
    start: async (req) => (await containers.start(req.id, req.runtime), {}),
    pause: async (req) => (await containers.pause(req.id, req.runtime, true), {}),
    resume: async (req) => (await containers.pause(req.id, req.runtime, false), {}),
    kill: async (req) => (await containers.kill(req.id, req.runtime, req.signal, req.all), {}),
    delete: async (req) => (await containers.delete(req), {}),
    state: (req) => ({ states: containers.state(req.runtime, req.containers) }),
    exec: (req) => containers.exec(req),
    spawn: (req) => run(req.argv, req),
    rmtree: (req) => {
      for (const p of req.paths as string[]) rmSync(p, { recursive: true, force: true });
      return {};
    },
    bridge: async (req) => (req.action === "attach" ? { ip: await bridge.attach(req.id, req.netnsPath) } : (await bridge.detach(req.id), {})),
    smoke: (req) => {
      let p = smokes.get(req.runtime);
      if (!p) smokes.set(req.runtime, (p = smoke(req.runtime, `${req.workDir}-${process.pid}`, runtimeDir)));
      return p;
    },
    net: (req) => handleNetRequest(req),
  };
  rmSync(socket, { force: true });
  Bun.serve({
    unix: socket,
    // the host refuses larger requests itself; this is the agent's own bound (#14)
    maxRequestBodySize: AGENT_MAX_BODY_BYTES,
    async fetch(request) {
      const op = new URL(request.url).pathname.replace(/^\/v1\//, "") as AgentOp;
      const spec = AGENT_OPS[op];
      if (!spec) return Response.json({ error: `unknown agent operation "${op}"` }, { status: 404 });
      try {
        const body = request.method === "POST" ? await request.json() : {};
        const parsed = spec.request.parse(body);
        const t0 = performance.now();
        const out = await handlers[op](parsed);
        if (process.env.KITTEN_AGENT_TRACE) log(`${op} ${(performance.now() - t0).toFixed(1)}ms`);
        return Response.json(out);
      } catch (err) {
        const message = isKittenError(err) ? err.message : errorText(err);
        log(`${op}: ${message}`);
        const hint = isKittenError(err) ? err.hint : undefined;
        return Response.json({ error: message, ...(hint ? { hint } : {}) }, { status: isKittenError(err) && err.exitCode === 2 ? 400 : 500 });
      }
    },
  });
  log(`agent ${process.pid} listening on ${socket}`);
  // a stray error is logged, never fatal: requests in flight would fail with the agent
  process.on("uncaughtException", (err) => log(`uncaught: ${errorText(err)}`));
  process.on("unhandledRejection", (err) => log(`unhandled: ${errorText(err)}`));
  // replaced by another build's agent, or the namespace goes down
  process.on("SIGTERM", () => process.exit(0));
  return new Promise<never>(() => {});
}

/** Does this OCI runtime really run a container here? (crun fails on cgroup-v1-hybrid hosts) */
async function smoke(runtime: "runc" | "crun", workDir: string, runtimeDir: string): Promise<{ ok: boolean; error?: string }> {
  const rootfs = join(workDir, "rootfs");
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(rootfs, "usr"), { recursive: true });
  for (const l of ["bin", "lib", "lib64", "sbin"]) symlinkSync(`usr/${l}`, join(rootfs, l));
  const spec = {
    ociVersion: "1.0.2-dev",
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ["/usr/bin/true"], env: ["PATH=/usr/bin"], cwd: "/", noNewPrivileges: true },
    root: { path: rootfs, readonly: true },
    hostname: "smoke",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/usr", type: "bind", source: "/usr", options: ["rbind", "ro"] },
    ],
    linux: { namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }] },
  };
  writeFileSync(join(workDir, "config.json"), JSON.stringify(spec));
  const rt = ociRuntime(runtime, runtimeDir);
  const id = `smoke-${process.pid}-${Date.now()}`;
  const r = await run([...rt.argv("run", "--bundle", workDir, id)], { timeoutMs: 20_000 });
  await run(rt.argv("delete", "--force", id));
  rmSync(workDir, { recursive: true, force: true });
  if (r.exitCode === 0) return { ok: true };
  return { ok: false, error: (r.stderr.trim().split("\n").at(-1) ?? "").slice(0, 300) || `exit status ${r.exitCode}` };
}
