/**
 * `kitten __cleanup <id>`: conmon's --exit-command for `run -d --rm`, run inside the namespace
 * when the container exits, with no kitten process on the host. It does what `kitten rm` does,
 * from the inside: the runtime state, mounts and container dir, the published ports (the port
 * API socket is reachable by path), and the record.
 */
import { readFileSync, rmSync } from "node:fs";
import type { KittenPaths } from "../../../core/paths.ts";
import { namespaceLayout, parseNamespaceRecord } from "../../../net/namespace/index.ts";
import { rootlesskitPorts, slirpPorts } from "../../../net/ports.ts";
import { openStateDb } from "../../state/db.ts";
import { ContainerStore } from "../store.ts";
import { Containers } from "./containers.ts";

export async function cleanupInside(paths: KittenPaths, id: string): Promise<void> {
  const store = new ContainerStore(openStateDb(paths));
  const rec = store.find(id);
  if (!rec) return;
  const layout = namespaceLayout(paths, rec.project);
  let ns;
  try {
    ns = parseNamespaceRecord(JSON.parse(readFileSync(layout.record, "utf8")));
  } catch {}
  const driver = ns?.apiSocket ? rootlesskitPorts(ns.apiSocket) : ns?.slirpSocket ? slirpPorts(ns.slirpSocket) : undefined;
  for (const p of rec.ports) if (driver && p.driverId !== undefined) await driver.remove(p.driverId).catch(() => {});
  await new Containers(layout.runtimeDir).delete({ id: rec.id, runtime: rec.runtime, containerDir: rec.dir, netnsPath: rec.netnsPath, cgroupsPath: rec.cgroupsPath, force: true, removeDir: true });
  for (const v of rec.anonymousVolumes ?? []) rmSync(v, { recursive: true, force: true });
  store.delete(rec.id);
}
