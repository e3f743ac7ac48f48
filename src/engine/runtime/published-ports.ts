/**
 * Published ports of a container, on start and on stop/removal: through the namespace's port
 * driver (rootlesskit REST API with childIP, or slirp4netns), recorded with the driver's ids.
 */
import { RuntimeFailure } from "../../core/errors.ts";
import type { NamespaceRecord } from "../../net/namespace/index.ts";
import { planPublishedPorts } from "../../net/port-probe.ts";
import { rootlesskitPorts, slirpPorts, type PortDriver } from "../../net/ports.ts";
import type { ContainerRecord, ContainerStore, PublishedPort } from "./store.ts";

export async function publishPorts(store: ContainerStore, rec: ContainerRecord, ns: NamespaceRecord): Promise<void> {
  const ports = rec.spec.ports ?? [];
  if (ports.length === 0) return;
  const driver = portDriver(ns);
  const childIp = rec.netnsPath ? Object.values(rec.ips)[0] : undefined;
  if (rec.netnsPath && !childIp) throw new RuntimeFailure(`container "${rec.name}": cannot publish ports: it has no IP address`);
  if (childIp && !ns.apiSocket) {
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
  try {
    for (const spec of specs) {
      const driverId = await driver.add(spec).catch((err: Error) => {
        throw new RuntimeFailure(`container "${rec.name}": cannot publish ${spec.hostIp}:${spec.hostPort}->${spec.childPort}/${spec.protocol}: ${err.message}`, {
          hint: "is the port already in use on the host?",
        });
      });
      published.push({ hostIp: spec.hostIp, hostPort: spec.hostPort, containerPort: spec.childPort, protocol: spec.protocol, driverId });
    }
  } catch (err) {
    for (const p of published) if (p.driverId !== undefined) await driver.remove(p.driverId).catch(() => {});
    throw err;
  }
  rec.ports = published;
  store.update(rec);
}

export async function unpublishPorts(store: ContainerStore, rec: ContainerRecord, ns: NamespaceRecord | undefined): Promise<void> {
  if (rec.ports.length === 0) return;
  if (ns) {
    const driver = portDriver(ns);
    for (const p of rec.ports) if (p.driverId !== undefined) await driver.remove(p.driverId).catch(() => {});
  }
  rec.ports = [];
  store.update(rec);
}

function portDriver(ns: NamespaceRecord): PortDriver {
  if (ns.apiSocket) return rootlesskitPorts(ns.apiSocket);
  if (ns.slirpSocket) return slirpPorts(ns.slirpSocket);
  throw new RuntimeFailure(`namespace "${ns.project}" has no port driver`);
}
