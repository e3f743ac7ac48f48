/**
 * The Kitten format (seeds/kitten-readme.md): `version`, `containers`, `networks`. Each
 * container becomes a service: workdir → working_dir, network + ip → networks with
 * ipv4_address, hostname defaulting to the container's name (as that README says), and an image
 * that starts with ./, ../ or / is a rootfs directory, resolved to an absolute path. Network
 * subnet/gateway become ipam.config. Errors point at the keys as written in the Kitten file.
 */
import { isAbsolute, resolve } from "node:path";
import { FileReader, type Dict } from "./read.ts";
import type { KeyPath, ParsedFile } from "./parse.ts";
import { readService } from "./service.ts";
import { readNetwork } from "./networks.ts";
import type { FileModel } from "./compose-file.ts";

const TOP_KEYS = new Set(["version", "containers", "networks"]);
const CONTAINER_KEYS = new Set(["image", "command", "hostname", "workdir", "environment", "ports", "network", "ip", "depends_on", "restart"]);
const NETWORK_KEYS = new Set(["driver", "subnet", "gateway"]);

/** services.<n>.working_dir → containers.<n>.workdir, and so on, for error locations */
function kittenPath(path: KeyPath): KeyPath {
  const [top, name, key, ...rest] = path;
  if (top === "services") {
    if (key === undefined) return ["containers", ...(name === undefined ? [] : [name])];
    if (key === "working_dir") return ["containers", name!, "workdir", ...rest];
    if (key === "networks") return ["containers", name!, rest.at(-1) === "ipv4_address" ? "ip" : "network"];
    return ["containers", name!, key, ...rest];
  }
  if (top === "networks" && key === "ipam") {
    const last = rest.at(-1);
    return ["networks", name!, ...(last === "subnet" || last === "gateway" ? [last] : [])];
  }
  return path;
}

export function isRootfsPath(image: string): boolean {
  return image.startsWith("./") || image.startsWith("../") || image.startsWith("/") || image === "." || image === "..";
}

export function readKittenFile(parsed: ParsedFile, baseDir: string, home: string | undefined): FileModel {
  const r = new FileReader(parsed, baseDir, kittenPath);
  const doc = parsed.value as Dict;
  r.checkKeys(doc, [], TOP_KEYS);
  if (doc.version !== undefined) r.text(doc.version, ["version"]);
  const model: FileModel = { services: {}, networks: {}, volumes: {}, readers: {} };
  const containers = r.optMap(doc.containers, ["containers"]);
  for (const [name, value] of Object.entries(containers)) {
    const path = ["containers", name];
    r.name("service", name, ["services", name], true);
    const c = r.map(value, path);
    r.checkKeys(c, path, CONTAINER_KEYS);
    if (c.image === undefined) r.fail(["services", name], `container "${name}" needs an "image" (an image reference or a rootfs directory)`);
    const image = r.str(c.image, ["services", name, "image"]);
    const service: Dict = { image: isRootfsPath(image) ? (isAbsolute(image) ? resolve(image) : resolve(baseDir, image)) : image };
    for (const key of ["command", "environment", "ports", "depends_on", "restart"] as const) {
      if (c[key] !== undefined) service[key] = c[key];
    }
    service.hostname = c.hostname ?? name;
    if (c.workdir !== undefined) service.working_dir = c.workdir;
    if (c.ip !== undefined && c.network === undefined) r.fail(["services", name, "networks", "x", "ipv4_address"], `"ip" needs a "network" to take the address on`);
    if (c.network !== undefined) {
      const net = r.str(c.network, ["services", name, "networks"]);
      service.networks = { [net]: c.ip === undefined ? null : { ipv4_address: c.ip } };
    }
    model.services[name] = readService(r, service, ["services", name], home);
    model.readers[name] = [r];
  }
  for (const [name, value] of Object.entries(doc.networks === undefined ? {} : r.optMap(doc.networks, ["networks"]))) {
    r.name("network", name, ["networks", name], true);
    const n = r.optMap(value, ["networks", name]);
    r.checkKeys(n, ["networks", name], NETWORK_KEYS);
    const network: Dict = {};
    if (n.driver !== undefined) network.driver = n.driver;
    const config: Dict = {};
    if (n.subnet !== undefined) config.subnet = n.subnet;
    if (n.gateway !== undefined) config.gateway = n.gateway;
    if (Object.keys(config).length > 0) network.ipam = { config: [config] };
    model.networks[name] = readNetwork(r, network, ["networks", name]);
  }
  return model;
}
