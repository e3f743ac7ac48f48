/**
 * Published ports of a container, on start and on stop/removal. TCP goes through kitten's own
 * forwarder (src/net/forward: host ports bound here, bytes spliced inside the namespace), which
 * moves ~1.3x what rootlesskit's builtin driver does (docs/benchmarks.md, bench/net); UDP — and
 * TCP when the forwarder is switched off (KITTEN_PORT_FORWARDER=rootlesskit) — through the
 * namespace's port driver (rootlesskit REST API with childIP, or slirp4netns), recorded with
 * the driver's ids.
 *
 * Ports outlive the container's exits that its restart policy follows: the forwarder (and a
 * driver's mapping) stay while the container is restarted in place, and end when its ports are
 * released (stop, rm, an exit without restart). publishPorts only makes what is missing, so it
 * also brings back the ports of a forwarder or port driver that died (both are helpers).
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeFailure } from "../../core/errors.ts";
import { startForwarder, stopForwarder, type ForwarderRef, type StartForwarder } from "../../net/forward/host.ts";
import { driverAlive, type NamespaceRecord } from "../../net/namespace/index.ts";
import { sameProcess } from "../../net/namespace/proc.ts";
import { planPublishedPorts } from "../../net/port-probe.ts";
import { rootlesskitPorts, slirpPorts, type PortDriver } from "../../net/ports.ts";
import { containerFiles } from "./container-files.ts";
import type { ContainerRecord, ContainerStore, PublishedPort } from "./store.ts";

/** Starts and stops TCP port forwarders; a recording fake in unit tests. */
export interface TcpForwarder {
  start(o: StartForwarder): Promise<ForwarderRef>;
  stop(ref: ForwarderRef): Promise<void>;
  /** whether it still runs */
  alive(ref: ForwarderRef): boolean;
}

export const kittenForwarder: TcpForwarder = { start: startForwarder, stop: stopForwarder, alive: (ref) => sameProcess(ref.pid, ref.start) };

/** The process serving the namespace's port driver right now: rootlesskit, else slirp4netns. */
function driverProcess(ns: NamespaceRecord): { pid: number; start: number } | undefined {
  if (ns.apiSocket && driverAlive(ns)) return { pid: ns.pid, start: ns.pidStart ?? 0 };
  if (ns.slirpSocket && ns.slirpPid && sameProcess(ns.slirpPid, ns.slirpStart)) return { pid: ns.slirpPid, start: ns.slirpStart ?? 0 };
  return undefined;
}

/** Whether every published port of rec is still served: its forwarder runs, its driver mapping's process too. */
export function portsServed(rec: ContainerRecord, forwarder: TcpForwarder | null): boolean {
  return rec.ports.every((p) => {
    if (p.forwarder) return (forwarder ?? kittenForwarder).alive(p.forwarder);
    if (p.driverProc) return sameProcess(p.driverProc.pid, p.driverProc.start || undefined);
    return true;
  });
}

/** The TCP forwarder KITTEN_PORT_FORWARDER asks for: kitten's (default), or null for the namespace's port driver. */
export function tcpForwarderFromEnv(value = process.env.KITTEN_PORT_FORWARDER): TcpForwarder | null {
  if (value === undefined || value === "" || value === "kitten") return kittenForwarder;
  if (value === "rootlesskit") return null;
  throw new RuntimeFailure(`KITTEN_PORT_FORWARDER must be kitten or rootlesskit, not "${value}"`);
}

export async function publishPorts(store: ContainerStore, rec: ContainerRecord, ns: NamespaceRecord, forwarder: TcpForwarder | null): Promise<void> {
  const ports = rec.spec.ports ?? [];
  if (ports.length === 0) return;
  // kept across a restart by the policy, and all still served: nothing to do
  if (rec.ports.length > 0 && portsServed(rec, forwarder)) return;
  // a forwarder or port driver died: what is left is released, then everything is made again
  if (rec.ports.length > 0) await unpublishPorts(store, rec, ns, forwarder);
  rmSync(containerFiles(rec.dir).portsReleased, { force: true });
  const childIp = rec.netnsPath ? Object.values(rec.ips)[0] : undefined;
  if (rec.netnsPath && !childIp) throw new RuntimeFailure(`container "${rec.name}": cannot publish ports: it has no IP address`);
  const viaDriver = (p: { protocol: string }) => !forwarder || p.protocol !== "tcp";
  if (childIp && !ns.apiSocket && ports.some((p) => viaDriver({ protocol: p.protocol ?? "tcp" }))) {
    // slirp4netns can only forward to the namespace's own address, not to a container's
    throw new RuntimeFailure(`container "${rec.name}": publishing ports of a container with its own network needs rootlesskit`, {
      hint: "install rootlesskit, or run it with --network slirp",
    });
  }
  // host ports for every compose form (ranges, udp, ephemeral), refusing a port another kitten
  // container holds by its name, or one something else on the host holds (src/net/port-specs.ts)
  const known = store
    .list()
    .filter((other) => other.id !== rec.id)
    .flatMap((other) => other.ports.map((p) => ({ owner: other.name, hostIp: p.hostIp, hostPort: p.hostPort, proto: p.protocol })));
  const specs = await planPublishedPorts(rec.name, ports, childIp, known);
  const published: PublishedPort[] = [];
  const forwarded = specs.filter((s) => !viaDriver(s));
  let ref: ForwarderRef | undefined;
  if (forwarder && forwarded.length) {
    ref = await forwarder
      .start({
        nsPid: ns.childPid,
        ports: forwarded.map((s) => ({ hostIp: s.hostIp, hostPort: s.hostPort, childIp: s.childIp ?? "127.0.0.1", childPort: s.childPort })),
        releaseFile: containerFiles(rec.dir).portsReleased,
        containerDir: rec.dir,
        logFile: join(rec.dir, "portfwd.log"),
      })
      .catch((err: Error) => {
        throw new RuntimeFailure(`container "${rec.name}": cannot publish ${err.message}`, { hint: "choose another host port, or stop what listens on it" });
      });
  }
  const driver = specs.some(viaDriver) ? portDriver(ns) : undefined;
  const driverProc = driver ? driverProcess(ns) : undefined;
  try {
    // in the order they were asked for
    for (const spec of specs) {
      if (!viaDriver(spec)) {
        published.push({ hostIp: spec.hostIp, hostPort: spec.hostPort, containerPort: spec.childPort, protocol: spec.protocol, forwarder: ref });
        continue;
      }
      const driverId = await driver!.add(spec).catch((err: Error) => {
        throw new RuntimeFailure(`container "${rec.name}": cannot publish ${spec.hostIp}:${spec.hostPort}->${spec.childPort}/${spec.protocol}: ${err.message}`, {
          hint: "is the port already in use on the host?",
        });
      });
      published.push({ hostIp: spec.hostIp, hostPort: spec.hostPort, containerPort: spec.childPort, protocol: spec.protocol, driverId, ...(driverProc ? { driverProc } : {}) });
    }
  } catch (err) {
    if (ref) await forwarder!.stop(ref);
    for (const p of published) if (p.driverId !== undefined) await driver!.remove(p.driverId).catch(() => {});
    throw err;
  }
  rec.ports = published;
  store.update(rec);
}

export async function unpublishPorts(store: ContainerStore, rec: ContainerRecord, ns: NamespaceRecord | undefined, forwarder: TcpForwarder | null): Promise<void> {
  if (rec.ports.length === 0) return;
  // the marker ends a forwarder nobody can signal (one started by a kitten that was killed
  // before recording it); by pid, this is at once
  try {
    writeFileSync(containerFiles(rec.dir).portsReleased, "");
  } catch {}
  const refs = new Map(rec.ports.flatMap((p) => (p.forwarder ? [[p.forwarder.pid, p.forwarder] as const] : [])));
  for (const ref of refs.values()) await (forwarder ?? kittenForwarder).stop(ref);
  // mappings of a port driver that died (and was restarted) went with it
  const live = ns ? driverProcess(ns) : undefined;
  const mapped = rec.ports.filter((p) => p.driverId !== undefined && (!p.driverProc || (live && p.driverProc.pid === live.pid && p.driverProc.start === live.start)));
  if (ns && mapped.length) {
    const driver = portDriver(ns);
    for (const p of mapped) await driver.remove(p.driverId!).catch(() => {});
  }
  rec.ports = [];
  store.update(rec);
}

function portDriver(ns: NamespaceRecord): PortDriver {
  // rootlesskit's port API dies with rootlesskit (the namespace lives on): then the restarted
  // slirp4netns's, which can only forward to the namespace's own address
  if (ns.apiSocket && (driverAlive(ns) || !ns.slirpSocket)) return rootlesskitPorts(ns.apiSocket);
  if (ns.slirpSocket) return slirpPorts(ns.slirpSocket);
  throw new RuntimeFailure(`namespace "${ns.project}" has no port driver`);
}
