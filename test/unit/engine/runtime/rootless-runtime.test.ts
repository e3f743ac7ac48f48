/**
 * The host side of the runtime against a fake agent and a fake rootlesskit port API (unix
 * sockets in a temp dir) and a fake namespace: what it writes, asks and concludes. The real
 * agent, runc and conmon are covered by test/e2e/run.test.ts.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { MemoryReporter } from "../../../../src/core/reporter.ts";
import { closeStateDbs } from "../../../../src/engine/state/db.ts";
import { RootlessRuntime, type Namespaces } from "../../../../src/engine/runtime/rootless-runtime.ts";
import { RuntimeImages } from "../../../../src/engine/runtime/image-source.ts";
import type { NamespaceRecord } from "../../../../src/net/namespace/index.ts";
import type { ContainerSpec } from "../../../../src/engine/runtime/types.ts";
import type { TcpForwarder } from "../../../../src/engine/runtime/published-ports.ts";
import type { StartForwarder } from "../../../../src/net/forward/host.ts";
import type { CgroupSupport } from "../../../../src/engine/runtime/cgroups.ts";
import { VolumeStore } from "../../../../src/engine/volume/store.ts";

interface FakeContainer {
  status: "created" | "running" | "exited";
  dir: string;
  args: string[];
}

let root: string;
let servers: Server<undefined>[];
let containers: Map<string, FakeContainer>;
let calls: string[];
let ports: Map<number, unknown>;
let nsUp: boolean;
let reporter: MemoryReporter;
let rt: RootlessRuntime;
let rootfs: string;
let removed: string[];
let lastCreate: any;
let namespaces: Namespaces;
let deletes: any[];
let netnsCreated: boolean;
let forwards: Array<{ op: "start"; o: StartForwarder } | { op: "stop"; pid: number }>;
let forwarder: TcpForwarder;

function exitWith(id: string, code: number) {
  const c = containers.get(id)!;
  c.status = "exited";
  mkdirSync(join(c.dir, "exit"), { recursive: true });
  writeFileSync(join(c.dir, "exit", id), String(code));
}

const handlers: Record<string, (body: any) => unknown> = {
  ping: () => ({ pid: 1 }),
  smoke: () => ({ ok: true }),
  create: (b) => {
    lastCreate = b;
    const config = JSON.parse(readFileSync(join(b.containerDir, "bundle/config.json"), "utf8"));
    containers.set(b.id, { status: "created", dir: b.containerDir, args: config.process.args });
    // the agent clears the previous run's exit file (a restart in place)
    rmSync(join(b.containerDir, "exit", b.id), { force: true });
    return { pid: 42, netnsCreated };
  },
  start: (b) => {
    containers.get(b.id)!.status = "running";
    return {};
  },
  kill: (b) => {
    const c = containers.get(b.id)!;
    // a process that ignores SIGTERM, like a shell script's `trap '' TERM`
    if (b.signal === "KILL") exitWith(b.id, 137);
    else if (!c.args.includes("ignore-term")) exitWith(b.id, 143);
    return {};
  },
  delete: (b) => {
    deletes.push(b);
    containers.delete(b.id);
    if (b.removeDir !== false) rmSync(b.containerDir, { recursive: true, force: true });
    return {};
  },
  state: (b) => ({
    states: b.containers.map((c: { id: string }) => {
      const f = containers.get(c.id);
      if (!f) return { id: c.id, status: "unknown" };
      if (f.status === "exited") return { id: c.id, status: "exited", exitCode: Number(readFileSync(join(f.dir, "exit", c.id), "utf8")) };
      return { id: c.id, status: f.status, pid: 42 };
    }),
  }),
  rmtree: (b) => {
    removed.push(...b.paths);
    for (const p of b.paths) rmSync(p, { recursive: true, force: true });
    return {};
  },
  exec: (b) => ({ exitCode: 0, stdout: `ran ${b.args.join(" ")} as ${b.user ? `${b.user.uid}:${b.user.gid}` : "default"}`, stderr: "" }),
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "kitten-rt-"));
  containers = new Map();
  deletes = [];
  netnsCreated = false;
  removed = [];
  calls = [];
  ports = new Map();
  forwards = [];
  forwarder = {
    start: async (o) => (forwards.push({ op: "start", o }), { pid: 4000 + forwards.length, start: 1 }),
    stop: async (ref) => void forwards.push({ op: "stop", pid: ref.pid }),
    alive: (ref) => !forwards.some((f) => f.op === "stop" && f.pid === ref.pid),
  };
  nsUp = true;
  servers = [];
  rootfs = join(root, "rootfs");
  mkdirSync(join(rootfs, "etc"), { recursive: true });
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:999:999::/home/app:/bin/sh\n");
  const runtimeDir = join(root, "run/projects/p");
  mkdirSync(runtimeDir, { recursive: true });
  const agentSocket = join(runtimeDir, "agent.sock");
  const apiSocket = join(root, "api.sock");
  servers.push(
    Bun.serve({
      unix: agentSocket,
      async fetch(req) {
        const op = new URL(req.url).pathname.replace("/v1/", "");
        calls.push(op);
        return Response.json(handlers[op]!(await req.json()));
      },
    }),
    Bun.serve({
      unix: apiSocket,
      async fetch(req) {
        const url = new URL(req.url);
        if (req.method === "POST") {
          const id = ports.size + 1;
          ports.set(id, await req.json());
          return Response.json({ id });
        }
        ports.delete(Number(url.pathname.split("/").at(-1)));
        return new Response("");
      },
    }),
  );
  const record: NamespaceRecord = {
    project: "p", driver: "rootlesskit", pid: process.pid, childPid: process.pid, apiSocket, hostLoopback: false,
    runtimeDir, agentSocket, startedAt: "2026-11-23T20:00:00.000Z",
  };
  namespaces = {
    ensure: async () => ((nsUp = true), record),
    find: () => (nsUp ? record : undefined),
    stop: async () => ((nsUp = false), true),
    helpers: async (_paths, ns) => ({ ns, restarted: [] }),
  };
  const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  reporter = new MemoryReporter();
  rt = new RootlessRuntime({ paths, images: new RuntimeImages({ paths, reporter }), reporter, namespaces, forwarder });
});

afterEach(() => {
  for (const s of servers) s.stop(true);
  closeStateDbs();
  rmSync(root, { recursive: true, force: true });
});

const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({ name: "web", project: "p", image: rootfs, command: ["serve"], env: {}, runtime: "runc", ...over });

test("writes the bundle and the etc files, then asks the agent to create the container", async () => {
  const st = await rt.create(spec({ hostname: "box", user: "app", extraHosts: ["db:10.0.0.5"] }));
  expect(st).toMatchObject({ name: "web", project: "p", status: "created", image: rootfs });
  const dir = join(root, "data/containers", st.id!);
  const config = JSON.parse(readFileSync(join(dir, "bundle/config.json"), "utf8"));
  expect(config.process).toMatchObject({ args: ["serve"], user: { uid: 999, gid: 999 } });
  expect(config.root.path).toBe(join(dir, "merged"));
  expect(readFileSync(join(dir, "hostname"), "utf8")).toBe("box\n");
  expect(readFileSync(join(dir, "hosts"), "utf8")).toContain("10.0.0.5\tdb\n");
  expect(readFileSync(join(dir, "resolv.conf"), "utf8")).toBe("nameserver 10.0.2.3\n");
  expect(calls).toEqual(["create"]);
});

test("refuses a second container with the same name before touching the namespace", async () => {
  await rt.create(spec());
  calls.length = 0;
  await expect(rt.create(spec())).rejects.toThrow('container name "web" is already in use');
  expect(calls).toEqual([]);
});

test("publishes tcp ports through kitten's forwarder and udp through the port API on start, and releases both when the container stops", async () => {
  const st = await rt.create(
    spec({
      ports: [
        { mode: "ingress", target: 80, published: "18080", host_ip: "127.0.0.1", protocol: "tcp" },
        { mode: "ingress", target: 53, published: "18053", host_ip: "127.0.0.1", protocol: "udp" },
        { mode: "ingress", target: 443, published: "18443", host_ip: "127.0.0.1", protocol: "tcp" },
      ],
    }),
  );
  const dir = join(root, "data/containers", st.id!);
  const started = await rt.start("web");
  expect(started.status).toBe("running");
  expect(started.ports).toEqual([
    { hostIp: "127.0.0.1", hostPort: 18080, containerPort: 80, protocol: "tcp" },
    { hostIp: "127.0.0.1", hostPort: 18053, containerPort: 53, protocol: "udp" },
    { hostIp: "127.0.0.1", hostPort: 18443, containerPort: 443, protocol: "tcp" },
  ]);
  // one forwarder for all tcp ports, dialling the namespace's loopback (no own netns here)
  expect(forwards).toEqual([
    {
      op: "start",
      o: {
        nsPid: process.pid,
        ports: [
          { hostIp: "127.0.0.1", hostPort: 18080, childIp: "127.0.0.1", childPort: 80 },
          { hostIp: "127.0.0.1", hostPort: 18443, childIp: "127.0.0.1", childPort: 443 },
        ],
        releaseFile: join(dir, "ports-released"),
        containerDir: dir,
        logFile: join(dir, "portfwd.log"),
      },
    },
  ]);
  expect([...ports.values()]).toEqual([{ proto: "udp", parentIP: "127.0.0.1", parentPort: 18053, childPort: 53 }]);
  const stopped = await rt.stop("web", { timeoutMs: 1000 });
  expect(stopped).toMatchObject({ status: "exited", exitCode: 143, ports: [] });
  expect(forwards.at(-1)).toEqual({ op: "stop", pid: 4001 });
  expect(ports.size).toBe(0);
});

test("publishes tcp ports through the namespace's port API when kitten's forwarder is switched off", async () => {
  const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  rt = new RootlessRuntime({ paths, images: new RuntimeImages({ paths, reporter }), reporter, namespaces, forwarder: null });
  await rt.create(spec({ ports: [{ mode: "ingress", target: 80, published: "18080", host_ip: "127.0.0.1", protocol: "tcp" }] }));
  await rt.start("web");
  expect([...ports.values()]).toEqual([{ proto: "tcp", parentIP: "127.0.0.1", parentPort: 18080, childPort: 80 }]);
  expect(forwards).toEqual([]);
  await rt.stop("web", { timeoutMs: 1000 });
  expect(ports.size).toBe(0);
});

test("names the port when the forwarder cannot bind it, and publishes nothing", async () => {
  forwarder.start = async () => {
    throw new Error("127.0.0.1:18080/tcp is already in use on the host");
  };
  await rt.create(
    spec({
      ports: [
        { mode: "ingress", target: 53, published: "18053", host_ip: "127.0.0.1", protocol: "udp" },
        { mode: "ingress", target: 80, published: "18080", host_ip: "127.0.0.1", protocol: "tcp" },
      ],
    }),
  );
  await expect(rt.start("web")).rejects.toThrow('container "web": cannot publish 127.0.0.1:18080/tcp is already in use on the host');
  expect(ports.size).toBe(0);
  expect(rt.record("web").ports).toEqual([]);
});

test("starts an exited container again in place: the stopped one is deleted keeping its dir, created again and its ports published again", async () => {
  const st = await rt.create(spec({ ports: [{ mode: "ingress", target: 80, published: "18080", host_ip: "127.0.0.1", protocol: "tcp" }] }));
  const dir = join(root, "data/containers", st.id!);
  await rt.start("web");
  await rt.stop("web", { timeoutMs: 1000 });
  writeFileSync(join(dir, "ctr.log"), "earlier run\n");
  expect(forwards.map((f) => f.op)).toEqual(["start", "stop"]);
  calls.length = 0;
  const again = await rt.start("web");
  expect(again).toMatchObject({ status: "running", ports: [{ hostIp: "127.0.0.1", hostPort: 18080, containerPort: 80, protocol: "tcp" }] });
  expect(calls).toEqual(["state", "delete", "create", "start", "state"]);
  expect(deletes.at(-1)).toMatchObject({ id: st.id, removeDir: false });
  expect(deletes.at(-1).netnsPath).toBeUndefined();
  expect(lastCreate).toMatchObject({ id: st.id, containerDir: dir, monitor: true, terminal: false });
  expect(readFileSync(join(dir, "ctr.log"), "utf8")).toBe("earlier run\n");
  expect(forwards.map((f) => f.op)).toEqual(["start", "stop", "start"]);
});

/** The runtime with a network attacher that records its calls and leases 10.89.0.<n> on "backend". */
function withNetwork(): string[] {
  const attached: string[] = [];
  const network = {
    attach: async () => (attached.push("attach"), { backend: `10.89.0.${attached.length + 1}` }),
    detach: async () => void attached.push("detach"),
  };
  const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  rt = new RootlessRuntime({ paths, images: new RuntimeImages({ paths, reporter }), reporter, namespaces, network, forwarder });
  return attached;
}

test("attaches a restarted container's network again when its netns had to be made anew, giving the old addresses back first", async () => {
  const attached = withNetwork();
  await rt.create(spec({ networks: { backend: {} } }));
  await rt.start("web");
  await rt.stop("web", { timeoutMs: 1000 });
  netnsCreated = true;
  await rt.start("web");
  expect(attached).toEqual(["attach", "detach", "attach"]);
  expect(rt.record("web").ips).toEqual({ backend: "10.89.0.4" });
});

test("a created container whose attach was cut short by a kill is attached on start, its half attach taken back first, and its ports published", async () => {
  const attached = withNetwork();
  await rt.create(spec({ networks: { backend: {} }, ports: [{ mode: "ingress", target: 80, published: "18080", host_ip: "127.0.0.1", protocol: "tcp" }] }));
  // the command was killed after runc create, before the addresses were written
  const rec = rt.record("web");
  rec.ips = {};
  (rt as unknown as { store: { update(r: typeof rec): void } }).store.update(rec);
  await rt.start("web");
  expect(attached).toEqual(["attach", "detach", "attach"]);
  expect(rt.record("web").ips).toEqual({ backend: "10.89.0.4" });
  expect(forwards.filter((f) => f.op === "start")).toHaveLength(1);
});

test("starts a container whose namespace is gone again, in place, in a new namespace", async () => {
  const st = await rt.create(spec());
  await rt.start("web");
  writeFileSync(join(root, "data/containers", st.id!, "pid"), "4242");
  const first = namespaces.find({ data: "", runtime: "", config: "" }, "p")!;
  const later = { ...first, startedAt: "2026-11-23T21:00:00.000Z" };
  namespaces.find = () => (nsUp ? later : undefined);
  namespaces.ensure = async () => ((nsUp = true), later);
  nsUp = false;
  calls.length = 0;
  expect(await rt.start("web")).toMatchObject({ status: "running" });
  expect(rt.record("web").namespaceStartedAt).toBe(later.startedAt);
  expect(calls.filter((c) => c !== "state")).toEqual(["delete", "create", "start"]);
  expect(deletes.at(-1)).toMatchObject({ removeDir: false });
  // the old namespace's pid is no one's in the new one
  expect(existsSync(join(root, "data/containers", st.id!, "pid"))).toBe(false);
});

test("refuses to start a running container", async () => {
  await rt.create(spec());
  await rt.start("web");
  await expect(rt.start("web")).rejects.toThrow('container "web" is running, not created');
});

test("stops with SIGKILL when the stop signal is ignored past the timeout", async () => {
  await rt.create(spec({ command: ["ignore-term"] }));
  await rt.start("web");
  const stopped = await rt.stop("web", { timeoutMs: 50 });
  expect(stopped).toMatchObject({ status: "exited", exitCode: 137 });
});

test("refuses to remove a running container unless forced", async () => {
  const st = await rt.create(spec());
  await rt.start("web");
  await expect(rt.remove("web")).rejects.toThrow('container "web" is running');
  await rt.remove("web", { force: true });
  expect(existsSync(join(root, "data/containers", st.id!))).toBe(false);
  expect(await rt.list()).toEqual([]);
});

test("reports containers of a namespace that is gone as exited, 137 unless an exit file says more", async () => {
  await rt.create(spec());
  await rt.start("web");
  await rt.create(spec({ name: "done" }));
  await rt.start("done");
  exitWith(rt.record("done").id, 3);
  nsUp = false;
  const states = await rt.list({ project: "p" });
  expect(states.map((s) => [s.name, s.status, s.exitCode])).toEqual([["web", "exited", 137], ["done", "exited", 3]]);
  expect(await rt.wait("web")).toBe(137);
});

test("resolves exec users through the image's passwd", async () => {
  await rt.create(spec());
  await rt.start("web");
  expect(await rt.exec("web", ["id"], { user: "app" })).toEqual({ exitCode: 0, stdout: "ran id as 999:999", stderr: "" });
});

function runtimeWith(cgroups: CgroupSupport): RootlessRuntime {
  const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  return new RootlessRuntime({ paths, images: new RuntimeImages({ paths, reporter }), reporter, namespaces, forwarder, cgroups });
}
const noCgroups: CgroupSupport = { usable: false, base: "/kitten/1001", mounts: {}, reason: "cgroup v1 without a subtree handed to this user", fix: "mkdir -p x && chown -R 1001:1001 x" };

test("warns about limits of a run container it cannot enforce, naming why and root's fix (up warns for services)", async () => {
  const r = runtimeWith(noCgroups);
  await r.create(spec({ resources: { memory: "64m", cpus: "0.5" } }));
  await r.create(spec({ name: "p-web-1", service: "web", resources: { memory: "64m", cpus: "0.5" } }));
  expect(reporter.warnings).toEqual(['container "web": memory=64m, cpus=0.5 not enforced: cgroup v1 without a subtree handed to this user; to enforce them, as root: mkdir -p x && chown -R 1001:1001 x (kitten doctor)']);
  expect(JSON.parse(readFileSync(join(lastCreate.containerDir, "bundle/config.json"), "utf8")).linux.cgroupsPath).toBeUndefined();
});

test("says pausing is not possible without a cgroup, and why", async () => {
  const r = runtimeWith(noCgroups);
  await r.create(spec());
  await expect(r.pause("web")).rejects.toThrow("pausing needs the cgroup freezer, and cgroup v1 without a subtree handed to this user");
});

test("puts a container in its project's cgroup with its limits and the default pids limit where cgroups may be managed", async () => {
  const r = runtimeWith({ usable: true, base: "/kitten/0", mounts: {} });
  const st = await r.create(spec({ resources: { memory: "32m" } }));
  const config = JSON.parse(readFileSync(join(lastCreate.containerDir, "bundle/config.json"), "utf8"));
  expect(config.linux.cgroupsPath).toMatch(new RegExp(`^/kitten/0/p-[0-9a-f]{8}/${st.id}$`));
  expect(config.linux.resources).toEqual({ memory: { limit: 32 * 1024 * 1024 }, pids: { limit: 2048 } });
  expect(reporter.warnings).toEqual([]);
});

test("gives the image's declared VOLUMEs anonymous volumes filled from the image, removed with the container", async () => {
  const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  const images = { resolve: async () => ({ ref: rootfs, id: "sha256:v", layers: [rootfs], config: { Volumes: { "/data": {}, "/cache": {} } } }) };
  const withVolumes = new RootlessRuntime({ paths, images, reporter, namespaces });
  const st = await withVolumes.create(spec({ mounts: [{ type: "volume", source: "named", target: "/cache" }] }));
  const config = JSON.parse(readFileSync(join(root, "data/containers", st.id!, "bundle/config.json"), "utf8"));
  const data = config.mounts.find((m: { destination: string }) => m.destination === "/data");
  // docker names anonymous volumes with 64 hex digits
  expect(data.source).toMatch(new RegExp(`^${join(root, "data/volumes")}/[0-9a-f]{64}/_data$`));
  expect(config.mounts.find((m: { destination: string }) => m.destination === "/cache").source).toBe(join(root, "data/volumes/named/_data"));
  expect(lastCreate.volumes).toEqual([{ path: join(root, "data/volumes/named/_data"), copyFrom: "/cache" }, { path: data.source, copyFrom: "/data" }]);
  const anon = data.source.split("/").at(-2);
  // both are volumes now: the anonymous one labelled as docker and with its project
  const volumes = new VolumeStore(paths);
  expect(volumes.get("named")?.labels).toEqual({});
  expect(volumes.get(anon)?.labels).toEqual({ "com.docker.volume.anonymous": "", "io.kitten.project": "p" });
  expect((await withVolumes.inspect("web"))?.anonymousVolumes).toEqual({ "/data": anon });
  await withVolumes.remove("web", { force: true });
  expect(removed).toEqual([data.source.replace(/\/_data$/, "")]);
  expect(volumes.get(anon)?.registered).toBeFalsy();
});

test("a replacement inherits the anonymous volumes it is handed, and remove with volumes false keeps them", async () => {
  const paths = { data: join(root, "data"), runtime: join(root, "run"), config: join(root, "config") };
  const images = { resolve: async () => ({ ref: rootfs, id: "sha256:v", layers: [rootfs], config: { Volumes: { "/data": {} } } }) };
  const withVolumes = new RootlessRuntime({ paths, images, reporter, namespaces });
  await withVolumes.create(spec({ mounts: [{ type: "volume", target: "/anon" }] }));
  const first = (await withVolumes.inspect("web"))!.anonymousVolumes!;
  expect(Object.keys(first).sort()).toEqual(["/anon", "/data"]);
  await withVolumes.remove("web", { force: true, volumes: false });
  expect(removed).toEqual([]);
  await withVolumes.create(spec({ mounts: [{ type: "volume", target: "/anon" }], inheritVolumes: first }));
  expect((await withVolumes.inspect("web"))!.anonymousVolumes).toEqual(first);
  // an inherited volume that is gone is replaced by a new one, never an error
  await withVolumes.remove("web", { force: true });
  await withVolumes.create(spec({ mounts: [{ type: "volume", target: "/anon" }], inheritVolumes: first }));
  const third = (await withVolumes.inspect("web"))!.anonymousVolumes!;
  expect(third["/anon"]).not.toBe(first["/anon"]);
});
