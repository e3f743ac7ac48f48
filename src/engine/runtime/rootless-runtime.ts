/**
 * The host side of kitten's container runtime (ContainerRuntime of types.ts): containers run
 * by runc/crun under conmon inside the project's rootless namespace, driven through the agent.
 * Records live in the state db (store.ts); status is always read from the monitor's exit file
 * and the runtime's state, never cached.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import type { Reporter } from "../../core/reporter.ts";
import { ensureNamespace, findNamespace, SLIRP, type NamespaceOptions, type NamespaceRecord } from "../../net/namespace/index.ts";
import { freeHostPort, rootlesskitPorts, slirpPorts, type PortDriver } from "../../net/ports.ts";
import type { ImageResolver } from "../image/types.ts";
import { openStateDb } from "../state/db.ts";
import { agentClient, type AgentClient } from "./agent-client.ts";
import type { InsideState } from "./agent-protocol.ts";
import { containerFiles, exitFile } from "./container-files.ts";
import { readImageFile } from "./image-source.ts";
import type { NetworkAttacher } from "./network-hook.ts";
import { chooseOciRuntime } from "./oci-choice.ts";
import { buildOciSpec, hostsFile } from "./spec/oci-spec.ts";
import { parseProcLimits } from "./spec/rlimits.ts";
import { resolveUser } from "./spec/user.ts";
import { ContainerStore, type ContainerRecord, type PublishedPort } from "./store.ts";
import type { ContainerRuntime, ContainerSpec, ContainerState, ExecOptions, ExecResult } from "./types.ts";

export interface RuntimeDeps {
  paths: KittenPaths;
  images: ImageResolver;
  reporter: Reporter;
  /** options for namespaces this runtime starts */
  namespace?: NamespaceOptions;
  network?: NetworkAttacher;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class RootlessRuntime implements ContainerRuntime {
  readonly store: ContainerStore;

  constructor(readonly deps: RuntimeDeps) {
    this.store = new ContainerStore(openStateDb(deps.paths));
  }

  // ---- namespace -------------------------------------------------------------------------

  async namespace(project: string): Promise<{ ns: NamespaceRecord; agent: AgentClient }> {
    const ns = await ensureNamespace(this.deps.paths, project, this.deps.namespace);
    if (this.deps.namespace?.hostLoopback && !ns.hostLoopback) {
      this.deps.reporter.emit({ type: "warning", message: `namespace "${project}" is already running without host loopback access; stop it first to change that` });
    }
    return { ns, agent: agentClient(ns.agentSocket, project) };
  }

  /** The running namespace the container was created in, if it still is. */
  private liveNamespace(rec: ContainerRecord): NamespaceRecord | undefined {
    const ns = findNamespace(this.deps.paths, rec.project);
    return ns && ns.startedAt === rec.namespaceStartedAt ? ns : undefined;
  }

  record(ref: string): ContainerRecord {
    const rec = this.store.find(ref);
    if (!rec) throw new InvalidInputError(`no such container: ${ref}`, { hint: "`kitten ps -a` lists the containers" });
    return rec;
  }

  // ---- create ------------------------------------------------------------------------------

  async create(spec: ContainerSpec, options: { monitor?: boolean } = {}): Promise<ContainerState> {
    if (!NAME_RE.test(spec.name)) throw new InvalidInputError(`invalid container name "${spec.name}"`, { hint: "use letters, digits, _ . -" });
    if (this.store.find(spec.name)) {
      throw new InvalidInputError(`container name "${spec.name}" is already in use`, { hint: `remove it first: kitten rm -f ${spec.name}` });
    }
    for (const p of spec.ports ?? []) {
      if (p.published?.includes("-")) throw new InvalidInputError(`port "${p.published}:${p.target}": port ranges are not supported`);
    }
    if (spec.networkMode === "none" && spec.ports?.length) throw new InvalidInputError(`container "${spec.name}": ports cannot be published with network mode none`);
    this.warnResources(spec);
    const image = await this.deps.images.resolve(spec.image);
    const { ns, agent } = await this.namespace(spec.project);
    const runtime = await chooseOciRuntime(this.deps.paths, agent, ns.runtimeDir, spec.runtime);
    const id = randomId();
    const dir = join(ensureDir(join(this.deps.paths.data, "containers")), id);
    const files = containerFiles(dir);
    mkdirSync(files.bundle, { recursive: true, mode: 0o700 });
    const ownNet = spec.networkMode === "none" || (!!this.deps.network && spec.networkMode !== "host" && Object.keys(spec.networks ?? {}).length > 0);
    const netnsPath = ownNet ? join(ns.runtimeDir, "netns", id) : undefined;
    const hostname = spec.hostname || id.slice(0, 12);
    writeFileSync(files.hostname, `${hostname}\n`);
    writeFileSync(files.hosts, hostsFile(hostname, undefined, spec.extraHosts));
    writeFileSync(files.resolvConf, spec.networkMode === "none" ? "" : `nameserver ${SLIRP.dns}\n`);
    const { binds, tmpfs, volumes } = this.resolveMounts(spec);
    const stopSignal = spec.stopSignal ?? image.config.StopSignal;
    const oci = buildOciSpec(image.config, {
      ...spec,
      tmpfs: [...(spec.tmpfs ?? []), ...tmpfs],
      binds,
      rootfs: files.merged,
      etcFiles: { hosts: files.hosts, hostname: files.hostname, resolvConf: files.resolvConf },
      netnsPath,
      hostname,
      initBinary: Bun.which("catatonit") ?? undefined,
      passwd: readImageFile(image, "etc/passwd"),
      group: readImageFile(image, "etc/group"),
      hostHardLimits: hostHardLimits(),
    });
    oci.annotations = { "io.kitten.name": spec.name, "io.kitten.project": spec.project };
    writeFileSync(files.config, JSON.stringify(oci));
    const record: ContainerRecord = {
      id,
      name: spec.name,
      project: spec.project,
      service: spec.service,
      replica: spec.replica,
      image: spec.image,
      imageId: image.id,
      lowerDirs: [...image.layers].reverse(),
      runtime,
      dir,
      netnsPath,
      spec: { ...spec, stopSignal },
      ports: [],
      ips: {},
      autoRemove: false,
      createdAt: new Date().toISOString(),
      namespaceStartedAt: ns.startedAt,
      monitored: options.monitor ?? true,
    };
    this.store.insert(record);
    try {
      await agent.call("create", {
        id,
        runtime,
        containerDir: dir,
        lowerDirs: record.lowerDirs,
        netnsPath,
        volumes,
        name: spec.name,
        terminal: oci.process.terminal,
        monitor: record.monitored,
      });
      if (netnsPath && this.deps.network && spec.networkMode !== "none") {
        record.ips = await this.deps.network.attach({ project: spec.project, containerId: id, spec, netnsPath, hostsPath: files.hosts, agent, runtimeDir: ns.runtimeDir });
        this.store.update(record);
      }
    } catch (err) {
      await agent.call("delete", { id, runtime, containerDir: dir, netnsPath, force: true }).catch(() => {});
      this.store.delete(id);
      throw err;
    }
    this.deps.reporter.emit({ type: "container", action: "created", container: spec.name, service: spec.service });
    return this.stateOf(record, { id, status: "created" });
  }

  private warnResources(spec: ContainerSpec): void {
    const r = spec.resources;
    if (!r) return;
    const asked = [r.memory && `memory=${r.memory}`, r.cpus && `cpus=${r.cpus}`, r.pids !== undefined && `pids=${r.pids}`].filter(Boolean);
    if (asked.length === 0) return;
    this.deps.reporter.emit({
      type: "warning",
      message: `container "${spec.name}": cannot enforce ${asked.join(", ")}: rootless containers need cgroup v2 with delegation, and this host has none; the limits are ignored`,
    });
  }

  private resolveMounts(spec: ContainerSpec) {
    const binds: Array<{ source: string; target: string; readOnly?: boolean }> = [];
    const tmpfs: string[] = [];
    const volumes: Array<{ path: string; copyFrom?: string }> = [];
    for (const m of spec.mounts ?? []) {
      if (m.type === "tmpfs") {
        const opts = [m.tmpfs?.size !== undefined && `size=${m.tmpfs.size}`, m.tmpfs?.mode !== undefined && `mode=${m.tmpfs.mode.toString(8)}`].filter(Boolean);
        tmpfs.push(`${m.target}${opts.length ? `:${opts.join(",")}` : ""}`);
      } else if (m.type === "bind") {
        if (!m.source?.startsWith("/")) throw new InvalidInputError(`mount "${m.source}:${m.target}": the host path must be absolute`);
        // docker -v creates a missing host directory; the long syntax does so when asked
        if (!existsSync(m.source)) {
          if (m.bind?.create_host_path === false) throw new InvalidInputError(`mount "${m.source}": no such file or directory`);
          mkdirSync(m.source, { recursive: true });
        }
        binds.push({ source: m.source, target: m.target, readOnly: m.read_only });
      } else {
        const name = m.source || `anon-${randomId().slice(0, 24)}`;
        if (!NAME_RE.test(name)) throw new InvalidInputError(`invalid volume name "${name}"`);
        const data = join(this.deps.paths.data, "volumes", name, "_data");
        volumes.push({ path: data, copyFrom: m.volume?.nocopy ? undefined : m.target });
        binds.push({ source: m.volume?.subpath ? join(data, m.volume.subpath) : data, target: m.target, readOnly: m.read_only });
      }
    }
    return { binds, tmpfs, volumes };
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async start(name: string): Promise<ContainerState> {
    const rec = this.record(name);
    const ns = this.liveNamespace(rec);
    if (!ns) throw new RuntimeFailure(`container "${rec.name}" cannot start: its namespace is gone`, { hint: `kitten rm ${rec.name}, then create it again` });
    const st = await this.insideState(rec);
    if (st.status !== "created") throw new InvalidInputError(`container "${rec.name}" is ${st.status}, not created`);
    const agent = agentClient(ns.agentSocket, rec.project);
    await this.publishPorts(rec, ns);
    try {
      await agent.call("start", { id: rec.id, runtime: rec.runtime });
    } catch (err) {
      await this.unpublishPorts(rec, ns);
      throw err;
    }
    rec.startedAt = new Date().toISOString();
    this.store.update(rec);
    this.deps.reporter.emit({ type: "container", action: "started", container: rec.name, service: rec.service });
    return this.inspectRecord(rec);
  }

  private async publishPorts(rec: ContainerRecord, ns: NamespaceRecord): Promise<void> {
    const ports = rec.spec.ports ?? [];
    if (ports.length === 0) return;
    const driver = portDriver(ns);
    const childIp = rec.netnsPath ? Object.values(rec.ips)[0] : undefined;
    if (rec.netnsPath && !childIp) throw new RuntimeFailure(`container "${rec.name}": cannot publish ports: it has no IP address`);
    const published: PublishedPort[] = [];
    try {
      for (const p of ports) {
        if (p.protocol === "sctp") throw new InvalidInputError(`container "${rec.name}": sctp ports cannot be published rootless`);
        const hostIp = p.host_ip || "0.0.0.0";
        const hostPort = p.published ? Number(p.published) : freeHostPort(hostIp, p.protocol);
        const driverId = await driver
          .add({ protocol: p.protocol, hostIp, hostPort, childIp, childPort: p.target })
          .catch((err: Error) => {
            throw new RuntimeFailure(`container "${rec.name}": cannot publish ${hostIp}:${hostPort}->${p.target}/${p.protocol}: ${err.message}`, {
              hint: "is the port already in use on the host?",
            });
          });
        published.push({ hostIp, hostPort, containerPort: p.target, protocol: p.protocol, driverId });
      }
    } catch (err) {
      for (const p of published) if (p.driverId !== undefined) await driver.remove(p.driverId).catch(() => {});
      throw err;
    }
    rec.ports = published;
    this.store.update(rec);
  }

  private async unpublishPorts(rec: ContainerRecord, ns: NamespaceRecord | undefined): Promise<void> {
    if (rec.ports.length === 0) return;
    if (ns) {
      const driver = portDriver(ns);
      for (const p of rec.ports) if (p.driverId !== undefined) await driver.remove(p.driverId).catch(() => {});
    }
    rec.ports = [];
    this.store.update(rec);
  }

  /** publish / unpublish for foreground runs, which skip start() */
  async publishFor(rec: ContainerRecord): Promise<void> {
    const ns = this.liveNamespace(rec);
    if (ns) await this.publishPorts(rec, ns);
    rec.startedAt = new Date().toISOString();
    this.store.update(rec);
  }

  async unpublishFor(rec: ContainerRecord): Promise<void> {
    await this.unpublishPorts(rec, this.liveNamespace(rec));
  }

  async stop(name: string, options: { signal?: string; timeoutMs?: number } = {}): Promise<ContainerState> {
    const rec = this.record(name);
    const ns = this.liveNamespace(rec);
    if (ns) {
      const agent = agentClient(ns.agentSocket, rec.project);
      const st = await this.insideState(rec);
      if (st.status === "running" || st.status === "created") {
        await agent.call("kill", { id: rec.id, runtime: rec.runtime, signal: options.signal ?? rec.spec.stopSignal ?? "TERM" });
        if ((await this.waitExit(rec, options.timeoutMs ?? 10_000)) === undefined) {
          // the container has its own pid namespace: killing its init kills everything in it
          // (runc kill --all needs cgroups, which rootless containers here do not have)
          await agent.call("kill", { id: rec.id, runtime: rec.runtime, signal: "KILL" });
          await this.waitExit(rec, 10_000);
        }
      }
      await this.unpublishPorts(rec, ns);
    }
    this.deps.reporter.emit({ type: "container", action: "stopped", container: rec.name, service: rec.service });
    return this.inspectRecord(rec);
  }

  async kill(name: string, signal = "KILL"): Promise<void> {
    const rec = this.record(name);
    const ns = this.liveNamespace(rec);
    const st = await this.insideState(rec);
    if (!ns || st.status !== "running") throw new InvalidInputError(`container "${rec.name}" is not running`);
    await agentClient(ns.agentSocket, rec.project).call("kill", { id: rec.id, runtime: rec.runtime, signal });
  }

  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    const rec = this.record(name);
    const ns = this.liveNamespace(rec);
    if (ns) {
      const st = await this.insideState(rec);
      if ((st.status === "running" || st.status === "created") && !options.force && rec.startedAt) {
        throw new InvalidInputError(`container "${rec.name}" is running`, { hint: `stop it first (kitten stop ${rec.name}) or use kitten rm -f` });
      }
      const agent = agentClient(ns.agentSocket, rec.project);
      await this.unpublishPorts(rec, ns);
      if (rec.netnsPath && this.deps.network && Object.keys(rec.ips).length) {
        await this.deps.network
          .detach({ project: rec.project, containerId: rec.id, spec: rec.spec, netnsPath: rec.netnsPath, hostsPath: containerFiles(rec.dir).hosts, agent, runtimeDir: ns.runtimeDir })
          .catch(() => {});
      }
      await agent.call("delete", { id: rec.id, runtime: rec.runtime, containerDir: rec.dir, netnsPath: rec.netnsPath, force: true });
    } else if (existsSync(rec.dir)) {
      // files of the upper layer belong to subordinate ids: only the namespace's root may delete them
      try {
        rmSync(rec.dir, { recursive: true, force: true });
      } catch {
        const { agent } = await this.namespace(rec.project);
        await agent.call("rmtree", { paths: [rec.dir] });
      }
    }
    this.store.delete(rec.id);
    this.deps.reporter.emit({ type: "container", action: "removed", container: rec.name, service: rec.service });
  }

  async pause(name: string): Promise<void> {
    throw new RuntimeFailure(`container "${this.record(name).name}" cannot be paused: pausing needs the cgroup freezer, which rootless containers do not have on this host`);
  }

  async unpause(name: string): Promise<void> {
    throw new RuntimeFailure(`container "${this.record(name).name}" cannot be unpaused: pausing is not supported rootless on this host`);
  }

  // ---- observe ---------------------------------------------------------------------------

  async inspect(name: string): Promise<ContainerState | undefined> {
    const rec = this.store.find(name);
    return rec ? this.inspectRecord(rec) : undefined;
  }

  private async inspectRecord(rec: ContainerRecord): Promise<ContainerState> {
    return this.stateOf(rec, await this.insideState(rec));
  }

  async list(filter: { project?: string } = {}): Promise<ContainerState[]> {
    const recs = this.store.list(filter);
    const byProject = new Map<string, ContainerRecord[]>();
    for (const r of recs) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r]);
    const states = new Map<string, InsideState>();
    for (const [project, group] of byProject) {
      for (const st of await this.insideStates(project, group)) states.set(st.id, st);
    }
    return recs.map((r) => this.stateOf(r, states.get(r.id) ?? { id: r.id, status: "unknown" }));
  }

  async insideState(rec: ContainerRecord): Promise<InsideState> {
    return (await this.insideStates(rec.project, [rec]))[0]!;
  }

  private async insideStates(project: string, recs: ContainerRecord[]): Promise<InsideState[]> {
    const ns = findNamespace(this.deps.paths, project);
    const live = recs.filter((r) => ns && ns.startedAt === r.namespaceStartedAt && r.exitCode === undefined);
    const fromAgent = new Map<string, InsideState>();
    if (ns && live.length) {
      for (const rt of new Set(live.map((r) => r.runtime))) {
        const group = live.filter((r) => r.runtime === rt);
        const res = await agentClient(ns.agentSocket, project).call("state", { runtime: rt, containers: group.map((r) => ({ id: r.id, containerDir: r.dir })) });
        for (const st of res.states) fromAgent.set(st.id, st);
      }
    }
    const states = recs.map((r) => fromAgent.get(r.id) ?? this.deadState(r));
    // a container that exited on its own still holds its published ports: release them now
    for (const [i, st] of states.entries()) {
      const rec = recs[i]!;
      if (st.status === "exited" && rec.ports.length) await this.unpublishPorts(rec, ns && ns.startedAt === rec.namespaceStartedAt ? ns : undefined);
    }
    return states;
  }

  /** A container whose namespace is gone: its exit file tells, else it died with the namespace (SIGKILL). */
  private deadState(rec: ContainerRecord): InsideState {
    if (rec.exitCode !== undefined) return { id: rec.id, status: "exited", exitCode: rec.exitCode };
    try {
      const code = Number(readFileSync(exitFile(rec.dir, rec.id), "utf8").trim());
      return { id: rec.id, status: "exited", exitCode: code };
    } catch {}
    return { id: rec.id, status: "exited", exitCode: rec.startedAt ? 137 : undefined };
  }

  private stateOf(rec: ContainerRecord, st: InsideState): ContainerState {
    const status = st.status === "unknown" ? "dead" : st.status;
    return {
      id: rec.id,
      name: rec.name,
      project: rec.project,
      service: rec.service,
      replica: rec.replica,
      status,
      pid: st.pid,
      exitCode: st.exitCode,
      startedAt: rec.startedAt,
      finishedAt: st.finishedAt,
      createdAt: rec.createdAt,
      configHash: rec.spec.configHash,
      image: rec.image,
      ips: rec.ips,
      ports: rec.ports.map(({ driverId: _, ...p }) => p),
      logPath: containerFiles(rec.dir).log,
    };
  }

  /** Resolves with the exit code, or undefined after timeoutMs. */
  async waitExit(rec: ContainerRecord, timeoutMs = Number.POSITIVE_INFINITY): Promise<number | undefined> {
    const file = exitFile(rec.dir, rec.id);
    const deadline = performance.now() + timeoutMs;
    let interval = 1;
    for (;;) {
      try {
        const text = readFileSync(file, "utf8").trim();
        if (text !== "") return Number(text);
      } catch {}
      if (!this.liveNamespace(rec)) return this.deadState(rec).exitCode ?? 137;
      if (performance.now() > deadline) return undefined;
      await Bun.sleep(interval);
      interval = Math.min(interval * 2, 50);
    }
  }

  async wait(name: string): Promise<number> {
    return (await this.waitExit(this.record(name)))!;
  }

  // ---- exec ------------------------------------------------------------------------------

  async exec(name: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const rec = this.record(name);
    const ns = this.liveNamespace(rec);
    const st = await this.insideState(rec);
    if (!ns || st.status !== "running") throw new InvalidInputError(`container "${rec.name}" is not running`);
    const user = options.user ? this.execUser(rec, options.user) : undefined;
    const res = await agentClient(ns.agentSocket, rec.project).call("exec", {
      id: rec.id,
      runtime: rec.runtime,
      args: command,
      env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      cwd: options.workingDir,
      user,
      timeoutMs: options.timeoutMs,
    });
    return res;
  }

  execUser(rec: ContainerRecord, user: string) {
    const layers = rec.lowerDirs.map((d) => d).reverse();
    const image = { ref: rec.image, id: rec.imageId, layers, config: {} };
    const u = resolveUser(user, readImageFile(image, "etc/passwd"), readImageFile(image, "etc/group"));
    return { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
  }

  /** argv that joins the project namespace (for foreground runs with the caller's terminal). */
  enterArgv(rec: ContainerRecord): string[] {
    const ns = this.liveNamespace(rec);
    if (!ns) throw new RuntimeFailure(`container "${rec.name}": its namespace is gone`);
    const runtime = Bun.which(rec.runtime) ?? rec.runtime;
    return ["nsenter", "-t", String(ns.childPid), "-U", "--preserve-credentials", "-m", "-n", "-p", "--", runtime, "--root", join(ns.runtimeDir, rec.runtime)];
  }
}

function portDriver(ns: NamespaceRecord): PortDriver {
  if (ns.apiSocket) return rootlesskitPorts(ns.apiSocket);
  if (ns.slirpSocket) return slirpPorts(ns.slirpSocket);
  throw new RuntimeFailure(`namespace "${ns.project}" has no port driver`);
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

let hardLimits: Record<string, number> | undefined;
function hostHardLimits(): Record<string, number> {
  hardLimits ??= parseProcLimits(readFileSync("/proc/self/limits", "utf8"));
  return hardLimits;
}
