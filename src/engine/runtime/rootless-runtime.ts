/**
 * The host side of kitten's container runtime (ContainerRuntime of types.ts): containers run
 * by runc/crun under conmon inside the project's rootless namespace, driven through the agent.
 * Records live in the state db (store.ts); status is always read from the monitor's exit file
 * and the runtime's state, never cached.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { InvalidInputError, RuntimeFailure } from "../../core/errors.ts";
import { ensureDir, type KittenPaths } from "../../core/paths.ts";
import { selfCommand } from "../../core/self.ts";
import type { Reporter } from "../../core/reporter.ts";
import { buildIdentity, ensureNamespace, ensureSlirp, namespaceUseLock, readNamespace, stopNamespace, SLIRP, type NamespaceOptions, type NamespaceRecord } from "../../net/namespace/index.ts";
import type { ImageResolver } from "../image/types.ts";
import { openStateDb } from "../state/db.ts";
import { agentClient, type AgentClient } from "./agent-client.ts";
import { ensureAgent } from "./agent-process.ts";
import { fileLock, tryFileLock, type HeldLock } from "../../core/file-lock.ts";
import type { InsideState } from "./agent-protocol.ts";
import { containerFiles, exitFile } from "./container-files.ts";
import { readImageFile } from "./image-source.ts";
import type { NetworkAttacher } from "./network-hook.ts";
import { builtinBridge } from "./bridge-attacher.ts";
import { chooseOciRuntime } from "./oci-choice.ts";
import { Wakeup } from "./wakeup.ts";
import { logPolicy, monitorLogSettings } from "./log-policy.ts";
import { rotateIfFull } from "./log-rotation.ts";
import { buildOciSpec, hostsFile } from "./spec/oci-spec.ts";
import { applyExtras, resolvConf } from "./spec/extras.ts";
import { resolveHostExtras } from "./extras-host.ts";
import { parseProcLimits } from "./spec/rlimits.ts";
import { resolveUser } from "./spec/user.ts";
import { ContainerStore, type ContainerRecord } from "./store.ts";
import { kittenForwarder, portsServed, publishPorts, unpublishPorts, type TcpForwarder } from "./published-ports.ts";
import { NAME_RE, randomId, resolveMounts, resourceWarning } from "./container-mounts.ts";
import { cgroupSupport, ensureBase, mountinfo, ociResources, projectCgroup, removeContainerCgroup, type CgroupSupport } from "./cgroups.ts";
import { deadState, stateOf } from "./container-status.ts";
import type { ContainerRuntime, ContainerSpec, ContainerState, ExecOptions, ExecResult } from "./types.ts";
import { VolumeStore } from "../volume/store.ts";
import { VOLUME_LABELS, volumeDir } from "../volume/names.ts";
import type { VolumeUse } from "./container-mounts.ts";

export interface RuntimeDeps {
  paths: KittenPaths;
  images: ImageResolver;
  reporter: Reporter;
  /** options for namespaces this runtime starts */
  namespace?: NamespaceOptions;
  network?: NetworkAttacher;
  /** the project namespaces (src/net/namespace); a fake in unit tests */
  namespaces?: Namespaces;
  /** TCP port forwarder: kitten's by default; null publishes TCP through the namespace's port driver */
  forwarder?: TcpForwarder | null;
  /** what the host lets kitten do with cgroups (cgroups.ts); read from the host by default */
  cgroups?: CgroupSupport;
}

export interface Namespaces {
  ensure(paths: KittenPaths, project: string, options?: NamespaceOptions): Promise<NamespaceRecord>;
  find(paths: KittenPaths, project: string): NamespaceRecord | undefined;
  stop(paths: KittenPaths, project: string): Promise<boolean>;
  /**
   * Brings back the namespace's helpers that died — the agent (of this build, with sameBuild)
   * and slirp4netns — and returns the record as it is now, with what was restarted.
   */
  helpers(paths: KittenPaths, ns: NamespaceRecord, o: { sameBuild?: boolean; agent?: boolean }): Promise<{ ns: NamespaceRecord; restarted: string[] }>;
}

const realNamespaces: Namespaces = {
  ensure: ensureNamespace,
  // looks only: a dead namespace's leftovers are cleaned by ensure and stop, never by a read (ps -a inspects)
  find: (paths, project) => {
    const found = readNamespace(paths, project);
    return found?.alive ? found.record : undefined;
  },
  stop: stopNamespace,
  async helpers(paths, ns, o) {
    const restarted: string[] = [];
    if (!ns.holder) return { ns, restarted };
    if (o.agent !== false) {
      const a = await ensureAgent(ns, { sameBuild: o.sameBuild });
      if (a.started) restarted.push(a.replacedBuild ? `agent (replacing one of build ${a.replacedBuild})` : "agent");
    }
    const s = await ensureSlirp(paths, ns.project);
    if (s.restarted) restarted.push("slirp4netns");
    return { ns: s.record ?? ns, restarted };
  },
};

const warnedBuild = new Set<string>();

/** How often a waiter checks that a container without its exit file has not died unrecorded. */
const MONITOR_CHECK_MS = 2_000;


export class RootlessRuntime implements ContainerRuntime {
  readonly store: ContainerStore;

  private readonly forwarder: TcpForwarder | null;

  constructor(readonly deps: RuntimeDeps) {
    this.forwarder = deps.forwarder === undefined ? kittenForwarder : deps.forwarder;
    this.store = new ContainerStore(openStateDb(deps.paths));
    this.ns = deps.namespaces ?? realNamespaces;
  }

  private readonly ns: Namespaces;

  // ---- namespace -------------------------------------------------------------------------

  /**
   * A shared lock on the project's namespace held while this process uses it: `kitten run`'s
   * releaseIfIdle stops an idle namespace only when it gets the lock alone, so a concurrent run
   * that is still creating its container there is never cut off (three `run`s at once).
   */
  private readonly uses = new Map<string, HeldLock>();

  private async useNamespace(project: string): Promise<void> {
    if (this.uses.has(project)) return;
    const lock = await fileLock(namespaceUseLock(this.deps.paths, project), 60_000, 10, true);
    if (lock) this.uses.set(project, lock);
  }

  async namespace(project: string): Promise<{ ns: NamespaceRecord; agent: AgentClient }> {
    await this.useNamespace(project);
    let ns = await this.ns.ensure(this.deps.paths, project, this.deps.namespace);
    if (ns.holder) {
      // helpers that died come back; an agent of another build is replaced (once per command)
      ns = await this.healHelpers(ns, { sameBuild: !this.checkedBuild.has(project) });
      this.checkedBuild.add(project);
    } else if (ns.build && ns.build !== buildIdentity()) {
      // started by another kitten build: its agent runs that code. Empty, it is replaced at once;
      // with containers in it, only a warning (replacing it would kill them)
      const inUse = this.store
        .list({ project })
        .some((r) => r.namespaceStartedAt === ns.startedAt && r.exitCode === undefined && !existsSync(exitFile(r.dir, r.id)));
      if (!inUse) {
        await this.ns.stop(this.deps.paths, project);
        ns = await this.ns.ensure(this.deps.paths, project, this.deps.namespace);
      } else if (!warnedBuild.has(project)) {
        warnedBuild.add(project);
        this.deps.reporter.emit({
          type: "warning",
          message: `namespace "${project}" was started by another kitten build and runs its agent; \`kitten __ns-down ${project}\` restarts it (its containers stop)`,
        });
      }
    }
    if (this.deps.namespace?.hostLoopback && !ns.hostLoopback) {
      this.deps.reporter.emit({ type: "warning", message: `namespace "${project}" is already running without host loopback access; stop it first to change that` });
    }
    return { ns, agent: this.agent(ns) };
  }

  private readonly checkedBuild = new Set<string>();

  /** Restarts the namespace's dead helpers, telling what it did (a warning: something had died). */
  private async healHelpers(ns: NamespaceRecord, o: { sameBuild?: boolean; agent?: boolean } = {}): Promise<NamespaceRecord> {
    const { ns: now, restarted } = await this.ns.helpers(this.deps.paths, ns, o);
    for (const what of restarted) {
      this.deps.reporter.emit({ type: "info", message: `namespace "${ns.project}": restarted ${what}` });
    }
    return now;
  }

  /** The agent's client; an agent found gone is started again and the request sent once more. */
  private agent(ns: NamespaceRecord): AgentClient {
    return agentClient(ns.agentSocket, ns.project, ns.holder ? async () => void (await this.healHelpers(ns)) : undefined);
  }

  /**
   * Restarts every helper of the project's namespace that died — agent, slirp4netns, and the
   * port forwarders of its running containers — and returns what it restarted. Nothing when the
   * namespace itself is gone (that is the holder's death: containers must be started again).
   * Called by the supervisor periodically and by up/start.
   */
  async heal(project: string): Promise<string[]> {
    const found = this.ns.find(this.deps.paths, project);
    if (!found?.holder) return [];
    const { ns, restarted } = await this.ns.helpers(this.deps.paths, found, {});
    for (const rec of this.store.list({ project })) {
      if (rec.ports.length === 0 || rec.namespaceStartedAt !== ns.startedAt || portsServed(rec, this.forwarder)) continue;
      const st = await this.insideState(rec);
      if (st.status !== "running") continue;
      await publishPorts(this.store, rec, ns, this.forwarder);
      restarted.push(`the port forwarder of ${rec.name}`);
    }
    return restarted;
  }

  /**
   * Stops a project's namespace when no container in it still runs (or is being created): what
   * `kitten run` calls once its container is gone, so a namespace is not left running for nothing.
   * Returns whether it stopped one.
   */
  async releaseIfIdle(project: string): Promise<boolean> {
    // another kitten using the namespace right now (a run still creating its container) keeps it
    this.uses.get(project)?.release();
    this.uses.delete(project);
    const alone = tryFileLock(namespaceUseLock(this.deps.paths, project));
    if (!alone) return false;
    try {
      const ns = this.ns.find(this.deps.paths, project);
      if (!ns) return false;
      const inUse = this.store
        .list({ project })
        .some((r) => r.namespaceStartedAt === ns.startedAt && r.exitCode === undefined && !existsSync(exitFile(r.dir, r.id)));
      if (inUse) return false;
      const stopped = await this.ns.stop(this.deps.paths, project);
      const support = this.deps.cgroups ?? cgroups();
      if (stopped && support.usable) this.dropProjectCgroup(project, projectCgroup(support, project, ns.runtimeDir));
      return stopped;
    } finally {
      alone.release();
    }
  }

  /** The running namespace the container was created in, if it still is. */
  private liveNamespace(rec: ContainerRecord): NamespaceRecord | undefined {
    const ns = this.ns.find(this.deps.paths, rec.project);
    return ns && ns.startedAt === rec.namespaceStartedAt ? ns : undefined;
  }

  record(ref: string): ContainerRecord {
    const rec = this.store.find(ref);
    if (!rec) throw new InvalidInputError(`no such container: ${ref}`, { hint: "`kitten ps -a` lists the containers" });
    return rec;
  }

  // ---- create ------------------------------------------------------------------------------

  /** monitor false: no conmon (foreground -it runs); autoRemove: conmon removes it on exit (-d --rm) */
  async create(spec: ContainerSpec, options: { monitor?: boolean; autoRemove?: boolean; pull?: "always" | "missing" | "never" } = {}): Promise<ContainerState> {
    if (!NAME_RE.test(spec.name)) throw new InvalidInputError(`invalid container name "${spec.name}"`, { hint: "use letters, digits, _ . -" });
    if (this.store.find(spec.name)) {
      throw new InvalidInputError(`container name "${spec.name}" is already in use`, { hint: `remove it first: kitten rm -f ${spec.name}` });
    }
    // published port ranges ("8000-8010:80") take the first free port: src/net/port-specs.ts
    if (spec.networkMode === "none" && spec.ports?.length) throw new InvalidInputError(`container "${spec.name}": ports cannot be published with network mode none`);
    const joined = this.joinedNetwork(spec);
    const image = await this.deps.images.resolve(spec.image, options.pull ? { pull: options.pull } : undefined);
    const { ns, agent } = await this.namespace(spec.project);
    const runtime = await chooseOciRuntime(this.deps.paths, agent, ns.runtimeDir, spec.runtime);
    const id = randomId();
    const dir = join(ensureDir(join(this.deps.paths.data, "containers")), id);
    const files = containerFiles(dir);
    const attacher = this.attacherFor(spec);
    const ownNet = spec.networkMode === "none" || !!attacher;
    // network_mode container:<name> runs in that container's netns (created and removed by it)
    const netnsPath = joined ? undefined : ownNet ? join(ns.runtimeDir, "netns", id) : undefined;
    const hostname = spec.hostname || id.slice(0, 12);
    const volumeStore = new VolumeStore(this.deps.paths);
    const { binds, tmpfs, volumes, anonymous, uses } = resolveMounts(spec, this.deps.paths, Object.keys(image.config.Volumes ?? {}), (n) => volumeStore.exists(n));
    const stopSignal = spec.stopSignal ?? image.config.StopSignal;
    const host = await resolveHostExtras(spec, {
      paths: this.deps.paths,
      dir,
      find: (n) => this.store.find(n),
      runningPid: async (r) => {
        const st = await this.insideState(r);
        return st.status === "running" ? st.pid : undefined;
      },
    });
    const oci = buildOciSpec(image.config, {
      ...spec,
      tmpfs: [...(spec.tmpfs ?? []), ...tmpfs],
      binds,
      rootfs: files.merged,
      // like docker, a container in another's network namespace shares its /etc/hosts and resolv.conf
      etcFiles: joined
        ? { hosts: containerFiles(joined.dir).hosts, hostname: files.hostname, resolvConf: containerFiles(joined.dir).resolvConf }
        : { hosts: files.hosts, hostname: files.hostname, resolvConf: files.resolvConf },
      netnsPath: joined ? joined.netnsPath : netnsPath,
      hostname,
      initBinary: Bun.which("catatonit") ?? undefined,
      passwd: readImageFile(image, "etc/passwd"),
      group: readImageFile(image, "etc/group"),
      hostHardLimits: hostHardLimits(),
    });
    applyExtras(oci, { name: spec.name, group: readImageFile(image, "etc/group"), domainnameBinary: Bun.which("domainname") ?? undefined, ...host.extras });
    oci.annotations = { ...spec.annotations, "io.kitten.name": spec.name, "io.kitten.project": spec.project };
    const cgroupsPath = this.cgroupFor(spec, ns, id);
    if (cgroupsPath) Object.assign(oci.linux, { cgroupsPath, resources: ociResources(spec.resources) });
    // only now that the spec is valid: nothing is left behind by a refused container
    const madeVolumes = registerVolumes(volumeStore, spec, uses);
    mkdirSync(files.bundle, { recursive: true, mode: 0o700 });
    writeFileSync(files.hostname, `${hostname}\n`);
    writeFileSync(files.hosts, hostsFile(hostname, undefined, spec.extraHosts));
    writeFileSync(files.resolvConf, resolvConf(spec.networkMode === "none" ? undefined : SLIRP.dns, spec.dns, spec.dnsSearch, spec.dnsOptions));
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
      anonymousVolumes: anonymous,
      anonymousMounts: Object.fromEntries(uses.filter((u) => u.anonymous).map((u) => [u.target, u.name])),
      volumes: [...new Set([...uses.map((u) => u.name), ...host.volumes])],
      mountBinds: [...binds, ...(host.extras.inheritedBinds ?? [])],
      ...(host.shm ? { shm: host.shm } : {}),
      runtime,
      dir,
      netnsPath,
      ...(cgroupsPath ? { cgroupsPath } : {}),
      spec: { ...spec, stopSignal },
      ports: [],
      ips: joined ? { ...joined.ips } : {},
      autoRemove: options.autoRemove ?? false,
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
        // conmon runs it inside the namespace when the container exits, with no kitten alive:
        // the --rm cleanup, ports released, or the restart policy applied (inside/exited.ts)
        exitCommand: record.monitored ? [...selfCommand(), "__exited", id] : undefined,
        log: monitorLogSettings(spec.logging),
        files: host.files,
        ...(host.shm ? { shm: host.shm } : {}),
      });
      if (netnsPath && attacher) {
        // the container's own hostname (docker: its short id when none is set) resolves in its /etc/hosts
        record.ips = await attacher.attach({ project: spec.project, containerId: id, spec: { ...spec, hostname }, netnsPath, hostsPath: files.hosts, agent, runtimeDir: ns.runtimeDir });
        // kitten0 has no name service: give the container its own address line. An injected
        // attacher (CNI networks) owns the file and writes service names itself. In place: the
        // file is bind-mounted by inode.
        if (attacher === builtinBridge) writeFileSync(files.hosts, hostsFile(hostname, Object.values(record.ips)[0], spec.extraHosts));
        this.store.update(record);
      }
    } catch (err) {
      await agent.call("delete", { id, runtime, containerDir: dir, netnsPath, cgroupsPath, force: true }).catch(() => {});
      this.store.delete(id);
      // volumes made for this container alone go with it; named ones stay (they may hold data already)
      const made = madeVolumes.filter((n) => uses.some((u) => u.anonymous && u.name === n));
      for (const n of made) volumeStore.delete(n);
      if (made.length) await agent.call("rmtree", { paths: made.map((n) => volumeDir(this.deps.paths, n)) }).catch(() => {});
      throw err;
    }
    this.deps.reporter.emit({ type: "container", action: "created", container: spec.name, service: spec.service });
    return stateOf(record, { id, status: "created" });
  }

  /**
   * The container whose network namespace `network_mode: container:<name>` joins (service:<name>
   * arrives here as container:<its first replica>). Publishing ports there is refused, as docker
   * refuses it: the ports belong to the container that owns the namespace.
   */
  private joinedNetwork(spec: ContainerSpec): ContainerRecord | undefined {
    const mode = spec.networkMode;
    if (!mode?.startsWith("container:")) return undefined;
    const target = mode.slice("container:".length);
    const where = `container "${spec.name}": network_mode ${mode}`;
    if (spec.ports?.length) throw new InvalidInputError(`${where}: ports cannot be published in another container's network`, { hint: `publish them on "${target}"` });
    const rec = this.store.find(target);
    if (!rec || rec.project !== spec.project) throw new InvalidInputError(`${where}: no such container`, { hint: `create "${target}" first` });
    return rec;
  }

  /**
   * Who wires a container's own network: named networks (compose) go to the injected attacher
   * (CNI, issue #5), or to the built-in kitten0 bridge when there is none; bridge mode without a
   * named network (`run --network bridge`) goes to kitten0; "host" (and a plain `kitten run`)
   * shares the namespace's slirp network; "none" gets lo only.
   */
  private attacherFor(spec: ContainerSpec): NetworkAttacher | undefined {
    const mode = spec.networkMode;
    const named = Object.keys(spec.networks ?? {}).length > 0;
    if (named && (mode === undefined || mode === "bridge")) return this.deps.network ?? builtinBridge;
    // docker's default bridge (`run --network bridge`, no named network): kitten0
    return mode === "bridge" ? builtinBridge : undefined;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async start(name: string): Promise<ContainerState> {
    const rec = this.record(name);
    let ns = this.liveNamespace(rec);
    let agent: AgentClient;
    if (!ns) {
      // it died with its namespace (a reboot, `down` of the namespace): the same container again
      // in a new one, as docker brings containers back after a daemon restart
      if (!rec.monitored) throw new RuntimeFailure(`container "${rec.name}" cannot start: its namespace is gone`, { hint: `kitten rm ${rec.name}, then run it again` });
      ({ ns, agent } = await this.namespace(rec.project));
      rec.namespaceStartedAt = ns.startedAt;
      this.store.update(rec);
      // its pid files name processes of the old namespace, whose numbers the new one may reuse
      for (const f of [containerFiles(rec.dir).pid, containerFiles(rec.dir).conmonPid]) rmSync(f, { force: true });
      await this.recreateInside(rec, ns, agent);
    } else {
      ns = await this.healHelpers(ns, { sameBuild: !this.checkedBuild.has(rec.project) });
      this.checkedBuild.add(rec.project);
      agent = this.agent(ns);
      const st = await this.insideState(rec);
      if (st.status === "exited" && rec.monitored) await this.recreateInside(rec, ns, agent);
      else if (st.status === "created") await this.finishAttach(rec, ns, agent);
      else throw new InvalidInputError(`container "${rec.name}" is ${st.status === "exited" ? "exited and was run in the foreground" : st.status}, not created`, st.status === "running" ? undefined : { hint: `kitten rm ${rec.name}, then run it again` });
    }
    await publishPorts(this.store, rec, ns, this.forwarder);
    try {
      await agent.call("start", { id: rec.id, runtime: rec.runtime });
    } catch (err) {
      await unpublishPorts(this.store, rec, ns, this.forwarder);
      throw err;
    }
    rec.startedAt = new Date().toISOString();
    this.store.update(rec);
    this.deps.reporter.emit({ type: "container", action: "started", container: rec.name, service: rec.service });
    return this.inspectRecord(rec);
  }

  /**
   * A created container whose network attach never finished — the command creating it was
   * killed between runc create and writing its addresses (issue #13's fault suite): attached now,
   * after a detach that takes back whatever half of the attach happened (a veth, an address lease).
   */
  private async finishAttach(rec: ContainerRecord, ns: NamespaceRecord, agent: AgentClient): Promise<void> {
    const attacher = this.attacherFor(rec.spec);
    if (rec.netnsPath && attacher && Object.keys(rec.ips).length === 0) await this.reattach(rec, ns, agent, attacher);
  }

  /** Attaches a container's netns anew, after giving back what it held: addresses leased to it, a veth of a half attach. */
  private async reattach(rec: ContainerRecord, ns: NamespaceRecord, agent: AgentClient, attacher: NetworkAttacher): Promise<void> {
    const files = containerFiles(rec.dir);
    const hostname = readFileSync(files.hostname, "utf8").trim();
    const ctx = { project: rec.project, containerId: rec.id, spec: { ...rec.spec, hostname }, netnsPath: rec.netnsPath!, hostsPath: files.hosts, agent, runtimeDir: ns.runtimeDir };
    await attacher.detach(ctx).catch(() => {});
    rec.ips = await attacher.attach(ctx);
    if (attacher === builtinBridge) writeFileSync(files.hosts, hostsFile(hostname, Object.values(rec.ips)[0], rec.spec.extraHosts));
    this.store.update(rec);
  }

  /**
   * `docker start` of an exited container: the same container again, in place. The stopped
   * runc container is deleted inside the namespace, keeping its dir (upper layer, hosts file,
   * log) and its netns with its addresses; then conmon + `runc create` run again, appending to
   * the same log and recording a fresh exit file. A netns that is gone is made and attached anew.
   */
  private async recreateInside(rec: ContainerRecord, ns: NamespaceRecord, agent: AgentClient): Promise<void> {
    await agent.call("delete", { id: rec.id, runtime: rec.runtime, containerDir: rec.dir, cgroupsPath: rec.cgroupsPath, force: true, removeDir: false });
    const files = containerFiles(rec.dir);
    const oci = JSON.parse(readFileSync(files.config, "utf8")) as { process?: { terminal?: boolean } };
    const res = await agent.call("create", {
      id: rec.id,
      runtime: rec.runtime,
      containerDir: rec.dir,
      lowerDirs: rec.lowerDirs,
      netnsPath: rec.netnsPath,
      name: rec.name,
      terminal: oci.process?.terminal ?? false,
      monitor: true,
      exitCommand: [...selfCommand(), "__exited", rec.id],
      log: monitorLogSettings(rec.spec.logging),
      ...(rec.shm ? { shm: rec.shm } : {}),
    });
    const attacher = this.attacherFor(rec.spec);
    // its old addresses are leased to a netns that no longer exists: given back, then attached anew
    if (res.netnsCreated && rec.netnsPath && attacher) await this.reattach(rec, ns, agent, attacher);
  }

  /** publish / unpublish for foreground runs, which skip start() */
  async publishFor(rec: ContainerRecord): Promise<void> {
    const ns = this.liveNamespace(rec);
    if (ns) await publishPorts(this.store, rec, ns, this.forwarder);
    rec.startedAt = new Date().toISOString();
    this.store.update(rec);
  }

  /** Rotates the logs of the project's containers that reached their max-size (log-rotation.ts). */
  rotateLogs(project: string): number {
    let rotated = 0;
    for (const rec of this.store.list({ project })) {
      const files = containerFiles(rec.dir);
      if (rotateIfFull(files.log, files.bundle, logPolicy(rec.spec.logging))) rotated++;
    }
    return rotated;
  }

  async releasePorts(name: string): Promise<void> {
    const rec = this.store.find(name);
    if (rec) await unpublishPorts(this.store, rec, this.liveNamespace(rec), this.forwarder);
  }

  async unpublishFor(rec: ContainerRecord): Promise<void> {
    await unpublishPorts(this.store, rec, this.liveNamespace(rec), this.forwarder);
  }

  async stop(name: string, options: { signal?: string; timeoutMs?: number } = {}): Promise<ContainerState> {
    const rec = this.record(name);
    const ns = this.liveNamespace(rec);
    if (ns) {
      const agent = this.agent(ns);
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
      await unpublishPorts(this.store, rec, ns, this.forwarder);
    }
    this.deps.reporter.emit({ type: "container", action: "stopped", container: rec.name, service: rec.service });
    return this.inspectRecord(rec);
  }

  async kill(name: string, signal = "KILL"): Promise<void> {
    const rec = this.record(name);
    const ns = this.liveNamespace(rec);
    const st = await this.insideState(rec);
    if (!ns || st.status !== "running") throw new InvalidInputError(`container "${rec.name}" is not running`);
    await this.agent(ns).call("kill", { id: rec.id, runtime: rec.runtime, signal });
  }

  async remove(name: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = this.record(name);
    // compose keeps anonymous volumes when it replaces a container or without `down -v`; docker
    // run --rm and kitten rm remove them (kitten does not leave unnamed data behind by default)
    const anonymous = options.volumes === false ? [] : (rec.anonymousVolumes ?? []);
    if (anonymous.length) {
      const volumeStore = new VolumeStore(this.deps.paths);
      for (const p of anonymous) volumeStore.delete(basename(p));
    }
    const ns = this.liveNamespace(rec);
    if (ns) {
      const st = await this.insideState(rec);
      if ((st.status === "running" || st.status === "created") && !options.force && rec.startedAt) {
        throw new InvalidInputError(`container "${rec.name}" is running`, { hint: `stop it first (kitten stop ${rec.name}) or use kitten rm -f` });
      }
      const agent = this.agent(ns);
      await unpublishPorts(this.store, rec, ns, this.forwarder);
      const attacher = this.attacherFor(rec.spec);
      // also without recorded addresses: an attach cut short by a kill may have made a veth already
      if (rec.netnsPath && attacher) {
        await attacher
          .detach({ project: rec.project, containerId: rec.id, spec: rec.spec, netnsPath: rec.netnsPath, hostsPath: containerFiles(rec.dir).hosts, agent, runtimeDir: ns.runtimeDir })
          .catch(() => {});
      }
      await agent.call("delete", { id: rec.id, runtime: rec.runtime, containerDir: rec.dir, netnsPath: rec.netnsPath, cgroupsPath: rec.cgroupsPath, force: true });
      // anonymous volumes (the image's VOLUMEs) go with their container; their files may belong
      // to subordinate ids, so the namespace removes them
      if (anonymous.length) await agent.call("rmtree", { paths: anonymous });
    } else {
      // its namespace is gone: what it left in the cgroup hierarchies goes from here
      if (rec.cgroupsPath) removeContainerCgroup(mountinfo(), rec.cgroupsPath);
      // files of the upper layer belong to subordinate ids: only the namespace's root may delete them
      const leftovers = [rec.dir, ...anonymous].filter((p) => existsSync(p));
      try {
        for (const p of leftovers) rmSync(p, { recursive: true, force: true });
      } catch {
        const { agent } = await this.namespace(rec.project);
        await agent.call("rmtree", { paths: leftovers });
      }
    }
    this.store.delete(rec.id);
    if (!ns && rec.cgroupsPath) this.dropProjectCgroup(rec.project, dirname(rec.cgroupsPath));
    this.deps.reporter.emit({ type: "container", action: "removed", container: rec.name, service: rec.service });
  }

  /**
   * A project's own cgroup once its namespace is gone and no container of it is left: `kitten
   * run`'s namespace stops when idle without a `down`, so nothing else would remove it. The
   * cgroups of stopped containers stay (they tell `ps` about an OOM kill) until they are removed.
   */
  private dropProjectCgroup(project: string, cgroupPath: string): void {
    if (this.store.list({ project }).length > 0) return;
    removeContainerCgroup(mountinfo(), cgroupPath);
  }

  /** Runs argv in the container's own network namespace, as root of the project's namespace (kitten chaos net). */
  async inNetns(name: string, argv: string[], stdin?: string): Promise<ExecResult> {
    const rec = this.record(name);
    const ns = this.liveNamespace(rec);
    if (!ns || !rec.netnsPath) throw new InvalidInputError(`container "${rec.name}" has no network namespace of its own`);
    return this.agent(ns).call("spawn", { argv: ["nsenter", `--net=${rec.netnsPath}`, ...argv], ...(stdin === undefined ? {} : { stdin }) });
  }

  /** pause / unpause through the cgroup freezer (docker pause); only a container with a cgroup */
  async pause(name: string): Promise<void> {
    await this.freeze(name, true);
  }

  async unpause(name: string): Promise<void> {
    await this.freeze(name, false);
  }

  private async freeze(name: string, pause: boolean): Promise<void> {
    const rec = this.record(name);
    const verb = pause ? "paused" : "unpaused";
    if (!rec.cgroupsPath) {
      const why = (this.deps.cgroups ?? cgroups()).reason ?? "it was created without a cgroup";
      throw new RuntimeFailure(`container "${rec.name}" cannot be ${verb}: pausing needs the cgroup freezer, and ${why}`, { hint: "`kitten doctor` says how to hand kitten a cgroup subtree" });
    }
    const ns = this.liveNamespace(rec);
    const st = await this.insideState(rec);
    if (!ns || (pause ? st.status !== "running" : st.status !== "paused")) {
      throw new InvalidInputError(`container "${rec.name}" is ${st.status === "unknown" ? "gone" : st.status}, so it cannot be ${verb}`);
    }
    await this.agent(ns).call(pause ? "pause" : "resume", { id: rec.id, runtime: rec.runtime });
    this.deps.reporter.emit({ type: "container", action: pause ? "paused" : "unpaused", container: rec.name, service: rec.service });
  }

  /**
   * The cgroup of a new container (cgroups.ts), or undefined where kitten may not manage
   * cgroups — then the limits a `kitten run` container asked for are warned about (a project's
   * services are warned about once per service by `up`, up-checks.ts).
   */
  private cgroupFor(spec: ContainerSpec, ns: NamespaceRecord, id: string): string | undefined {
    const support = this.deps.cgroups ?? cgroups();
    if (support.usable) {
      ensureBase(support);
      return `${projectCgroup(support, spec.project, ns.runtimeDir)}/${id}`;
    }
    const warning = spec.service ? undefined : resourceWarning(spec, support);
    if (warning) this.deps.reporter.emit({ type: "warning", message: warning });
    return undefined;
  }

  // ---- observe ---------------------------------------------------------------------------

  async inspect(name: string): Promise<ContainerState | undefined> {
    const rec = this.store.find(name);
    return rec ? this.inspectRecord(rec) : undefined;
  }

  private async inspectRecord(rec: ContainerRecord): Promise<ContainerState> {
    return stateOf(rec, await this.insideState(rec));
  }

  async list(filter: { project?: string } = {}): Promise<ContainerState[]> {
    const recs = this.store.list(filter);
    const byProject = new Map<string, ContainerRecord[]>();
    for (const r of recs) byProject.set(r.project, [...(byProject.get(r.project) ?? []), r]);
    const states = new Map<string, InsideState>();
    for (const [project, group] of byProject) {
      for (const st of await this.insideStates(project, group)) states.set(st.id, st);
    }
    return recs.map((r) => stateOf(r, states.get(r.id) ?? { id: r.id, status: "unknown" }));
  }

  async insideState(rec: ContainerRecord): Promise<InsideState> {
    return (await this.insideStates(rec.project, [rec]))[0]!;
  }

  private async insideStates(project: string, recs: ContainerRecord[]): Promise<InsideState[]> {
    const ns = this.ns.find(this.deps.paths, project);
    const live = recs.filter((r) => ns && ns.startedAt === r.namespaceStartedAt && r.exitCode === undefined);
    const fromAgent = new Map<string, InsideState>();
    if (ns && live.length) {
      for (const rt of new Set(live.map((r) => r.runtime))) {
        const group = live.filter((r) => r.runtime === rt);
        const res = await this.agent(ns).call("state", { runtime: rt, containers: group.map((r) => ({ id: r.id, containerDir: r.dir, ...(r.cgroupsPath ? { cgroupsPath: r.cgroupsPath } : {}) })) });
        for (const st of res.states) fromAgent.set(st.id, st);
      }
    }
    // read-only: ports of a container that exited for good are released by its exit command
    // (inside/exited.ts), a stop, or the supervisor — never as a side effect of looking
    return recs.map((r) => fromAgent.get(r.id) ?? deadState(r));
  }

  /**
   * Resolves with the exit code, or undefined after timeoutMs; -1 when the container is gone
   * but nobody recorded how (its monitor was killed: the exit file never comes).
   */
  async waitExit(rec: ContainerRecord, timeoutMs = Number.POSITIVE_INFINITY): Promise<number | undefined> {
    const file = exitFile(rec.dir, rec.id);
    const deadline = performance.now() + timeoutMs;
    const wakeup = timeoutMs > 0 ? new Wakeup([containerFiles(rec.dir).exitDir]) : undefined;
    // conmon writes the exit file; a killed conmon never will: every few seconds, ask the agent
    let askAt = performance.now() + MONITOR_CHECK_MS;
    try {
      for (;;) {
        try {
          const text = readFileSync(file, "utf8").trim();
          if (text !== "") return Number(text);
        } catch {}
        if (!this.liveNamespace(rec)) return deadState(rec).exitCode ?? 137;
        // removed meanwhile (kitten rm -f): it was killed, and nothing is left to wait for
        if (!existsSync(rec.dir)) return 137;
        if (performance.now() >= askAt) {
          askAt = performance.now() + MONITOR_CHECK_MS;
          const st = await this.insideState(rec).catch(() => undefined);
          if (st && (st.status === "exited" || st.status === "unknown") && !existsSync(file)) return st.exitCode ?? -1;
        }
        const left = deadline - performance.now();
        if (left <= 0 || !wakeup) return undefined;
        await wakeup.wait(Math.min(left, 100));
      }
    } finally {
      wakeup?.close();
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
    const res = await this.agent(ns).call("exec", {
      id: rec.id,
      runtime: rec.runtime,
      args: command,
      env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      cwd: options.workingDir,
      user,
      timeoutMs: options.timeoutMs,
      ...(options.privileged ? { privileged: true } : {}),
    });
    return res;
  }

  execUser(rec: ContainerRecord, user: string) {
    const layers = rec.lowerDirs.map((d) => d).reverse();
    const image = { ref: rec.image, id: rec.imageId, layers, config: {} };
    const u = resolveUser(user, readImageFile(image, "etc/passwd"), readImageFile(image, "etc/group"));
    return { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
  }

  /** argv that enters the namespace's user and mount namespaces, for a host program (cp's `__cp`). */
  nsenterArgv(rec: ContainerRecord): string[] {
    const ns = this.liveNamespace(rec);
    if (!ns) throw new RuntimeFailure(`container "${rec.name}": its namespace is gone`);
    // the pid namespace too: its /proc is the one mounted there, and Bun needs /proc/self
    return ["nsenter", "-t", String(ns.childPid), "-U", "--preserve-credentials", "-m", "-p", "--"];
  }

  /** argv that joins the project namespace (for foreground runs with the caller's terminal). */
  enterArgv(rec: ContainerRecord): string[] {
    const ns = this.liveNamespace(rec);
    if (!ns) throw new RuntimeFailure(`container "${rec.name}": its namespace is gone`);
    const runtime = Bun.which(rec.runtime) ?? rec.runtime;
    return ["nsenter", "-t", String(ns.childPid), "-U", "--preserve-credentials", "-m", "-n", "-p", "--", runtime, "--root", join(ns.runtimeDir, rec.runtime)];
  }
}

/**
 * Gives the container's volumes their rows: a new anonymous one labelled as docker labels them
 * (and with its project and service, so `down -v` finds it); a named one `kitten run -v` names
 * for the first time. Project volumes were made by `up` already. Returns the names made now.
 */
function registerVolumes(store: VolumeStore, spec: ContainerSpec, uses: VolumeUse[]): string[] {
  const made: string[] = [];
  for (const u of uses) {
    const labels: Record<string, string> = u.anonymous
      ? { [VOLUME_LABELS.anonymous]: "", [VOLUME_LABELS.project]: spec.project, ...(spec.service ? { [VOLUME_LABELS.service]: spec.service } : {}) }
      : {};
    if (store.create(u.name, labels).created) made.push(u.name);
  }
  return made;
}

let support: CgroupSupport | undefined;
/** What the host lets kitten do with cgroups, read once per process. */
function cgroups(): CgroupSupport {
  support ??= cgroupSupport();
  return support;
}

let hardLimits: Record<string, number> | undefined;
function hostHardLimits(): Record<string, number> {
  hardLimits ??= parseProcLimits(readFileSync("/proc/self/limits", "utf8"));
  return hardLimits;
}
