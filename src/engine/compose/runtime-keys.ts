/**
 * Service keys kitten ignored before issue #12, read into their canonical form and checked where
 * they are written (file:line and a hint): dns*, sysctls, shm_size, the service-level limits,
 * privileged, devices, pid, ipc, platform, pull_policy, volumes_from, group_add, domainname,
 * mac_address, annotations, label_file, secrets and configs, post_start / pre_stop and develop
 * (hooks.ts). Checks that need the whole project (a referenced service exists, limits agree
 * with deploy.resources) are in runtime-keys-check.ts.
 */
import { existsSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import type { Service } from "./model.ts";
import type { FileReader } from "./read.ts";
import type { KeyPath } from "./parse.ts";
import { DotenvError, parseDotenv } from "./dotenv.ts";
import { normalizeDuration } from "./duration.ts";
import { oneLine } from "./read.ts";
import { parseBytes } from "./units.ts";
import { readSecretRefs } from "./secrets.ts";
import { readDevelop, readHooks } from "./hooks.ts";
import { expandHome } from "./volumes.ts";
import { ENV_FILE_HINT, readEnvFileText } from "./env-file.ts";

type Draft = Partial<Service> & { ignored?: string[] };
type Handler = (r: FileReader, v: unknown, path: KeyPath, d: Draft, home: string | undefined) => void;

/** docker (opts/opts.go ValidateSysctl): the sysctls a kernel namespace holds per container */
const NAMESPACED_SYSCTLS = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);
const NAMESPACED_PREFIXES = ["net.", "fs.mqueue."];
const SYSCTL_NAME = /^[a-z0-9_]+(\.[a-z0-9_-]+)+$/;
const RFC1123 = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
const PLATFORM = /^[a-z0-9]+(\/[a-z0-9_]+(\/[a-z0-9]+)?)?$/;
export const PULL_POLICIES = ["always", "never", "missing", "build", "daily", "weekly"];

export function isNamespacedSysctl(name: string): boolean {
  return NAMESPACED_SYSCTLS.has(name) || NAMESPACED_PREFIXES.some((p) => name.startsWith(p));
}

function stringList(r: FileReader, v: unknown, path: KeyPath): string[] {
  return r.strings(v, path, true);
}

/** `KEY: value` or `["KEY=value"]`, values as text (sysctls, annotations). */
function textMap(r: FileReader, v: unknown, path: KeyPath): Array<[string, string, KeyPath]> {
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      const entry = r.text(item, [...path, i]);
      const eq = entry.indexOf("=");
      if (eq <= 0) r.fail([...path, i], `invalid entry "${entry}": expected KEY=VALUE`);
      return [entry.slice(0, eq), entry.slice(eq + 1), [...path, i]];
    });
  }
  return Object.entries(r.map(v, path)).map(([k, x]) => [k, x === null ? "" : r.scalar(x, [...path, k]), [...path, k]]);
}

function bytes(r: FileReader, v: unknown, path: KeyPath): string {
  const n = typeof v === "string" || typeof v === "number" ? parseBytes(v) : undefined;
  if (n === undefined || n < 0) r.fail(path, `invalid size ${JSON.stringify(v)}`, 'use bytes or a size like "64m" or "1g"');
  return String(n);
}

function sysctls(r: FileReader, v: unknown, path: KeyPath): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value, p] of textMap(r, v, path)) {
    if (!SYSCTL_NAME.test(name)) r.fail(p, `invalid sysctl name "${name}"`, "a sysctl is dotted lower-case words, e.g. net.core.somaxconn");
    if (!isNamespacedSysctl(name)) {
      r.fail(p, `sysctl "${name}" is not namespaced: a container cannot set it`, "only kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shm*, fs.mqueue.* and net.* are per container (as in docker)");
    }
    out[name] = value;
  }
  return out;
}

/** `HOST[:CONTAINER[:PERMISSIONS]]` or {source, target, permissions}: a device node of the host. */
function devices(r: FileReader, v: unknown, path: KeyPath): NonNullable<Service["devices"]> {
  return r.list(v, path).map((item, i) => {
    const p = [...path, i];
    let source: string;
    let target: string | undefined;
    let permissions = "rwm";
    if (typeof item === "string") {
      if (/^[a-z0-9.-]+\/[a-z0-9.-]+=/.test(item)) r.fail(p, `CDI device "${item}" is not supported`, "kitten has no CDI registry: name the device node, e.g. /dev/dri/renderD128");
      const parts = item.split(":");
      if (parts.length > 3) r.fail(p, `invalid device "${item}"`, 'use "HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]", e.g. "/dev/ttyUSB0:/dev/ttyUSB0:rw"');
      source = parts[0]!;
      if (parts.length === 2 && /^[rwm]+$/.test(parts[1]!)) permissions = parts[1]!;
      else target = parts[1];
      if (parts[2] !== undefined) permissions = parts[2];
    } else {
      const m = r.map(item, p);
      r.checkKeys(m, p, new Set(["source", "target", "permissions"]));
      if (m.source === undefined) r.fail(p, `a device needs a "source" (the host path)`);
      source = r.str(m.source, [...p, "source"]);
      if (m.target !== undefined) target = r.str(m.target, [...p, "target"]);
      if (m.permissions !== undefined) permissions = r.str(m.permissions, [...p, "permissions"]);
    }
    target ??= source;
    for (const [what, path2] of [["host", source], ["container", target]] as const) {
      if (!path2.startsWith("/") || path2.includes("\0") || path2.split("/").includes("..")) {
        r.fail(p, `invalid device "${typeof item === "string" ? item : source}": the ${what} path "${path2}" must be absolute, without ".."`);
      }
    }
    if (!/^[rwm]{1,3}$/.test(permissions) || new Set(permissions).size !== permissions.length) {
      r.fail(p, `invalid device permissions "${permissions}"`, "use a combination of r (read), w (write) and m (mknod), e.g. rw");
    }
    return { source, target, permissions };
  });
}

function namespaceMode(r: FileReader, v: unknown, path: KeyPath, allowed: string[]): string {
  const mode = r.str(v, path);
  if (allowed.includes(mode) || /^(service|container):[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(mode)) return mode;
  return r.fail(path, `invalid ${String(path.at(-1))} "${mode}"`, `use ${allowed.join(", ")}, service:<name> or container:<name>`);
}

function pullPolicy(r: FileReader, v: unknown, path: KeyPath): string {
  const p = r.str(v, path);
  if (p === "if_not_present") return "missing"; // compose-go's alias
  if (PULL_POLICIES.includes(p)) return p;
  if (p.startsWith("every_")) {
    const d = normalizeDuration(p.slice("every_".length));
    if (d !== undefined && !d.startsWith("-") && d !== "0s") return p;
  }
  return r.fail(path, `invalid pull_policy "${p}"`, "use always, missing, never, build, daily, weekly or every_<duration> (e.g. every_12h)");
}

function volumesFrom(r: FileReader, v: unknown, path: KeyPath): string[] {
  return r.strings(v, path).map((entry, i) => {
    const parts = entry.split(":");
    const container = parts[0] === "container";
    const name = container ? parts[1] : parts[0];
    const mode = container ? parts[2] : parts[1];
    if (!name || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || parts.length > (container ? 3 : 2) || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
      r.fail([...path, i], `invalid volumes_from "${entry}"`, 'use "service[:ro|rw]" or "container:name[:ro|rw]"');
    }
    return entry;
  });
}

function labelFiles(r: FileReader, v: unknown, path: KeyPath, home: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  stringList(r, v, path).forEach((f, i) => {
    const p = typeof v === "string" ? path : [...path, i];
    const file = resolve(r.baseDir, expandHome(f, home));
    if (!existsSync(file)) r.fail(p, `label file ${file} not found`, "create it, or remove it from label_file");
    // read as an env file is: bounded, a directory or unreadable file the user's error, no content shown (#14)
    const text = readEnvFileText(file, (message, hint) => r.fail(p, message.replace(/^env file/, "label file"), hint));
    try {
      Object.assign(out, parseDotenv(text));
    } catch (err) {
      if (err instanceof DotenvError) throw new InvalidInputError(oneLine(err.message), { location: { file, line: err.line }, hint: ENV_FILE_HINT });
      throw err;
    }
  });
  return out;
}

export const RUNTIME_KEY_HANDLERS: Record<string, Handler> = {
  secrets: (r, v, p, d) => (d.secrets = readSecretRefs(r, "secret", v, p)),
  configs: (r, v, p, d) => (d.configs = readSecretRefs(r, "config", v, p)),
  dns: (r, v, p, d) =>
    (d.dns = stringList(r, v, p).map((ip, i) => {
      // docker compose: "invalid DNS address"
      if (!isIP(ip)) r.fail(typeof v === "string" ? p : [...p, i], `invalid DNS address "${ip}"`, "dns takes IP addresses of name servers, e.g. 1.1.1.1");
      return ip;
    })),
  dns_search: (r, v, p, d) =>
    (d.dns_search = stringList(r, v, p).map((dom, i) => {
      if (dom !== "." && !RFC1123.test(dom.replace(/\.$/, ""))) r.fail(typeof v === "string" ? p : [...p, i], `invalid DNS search domain "${dom}"`);
      return dom;
    })),
  dns_opt: (r, v, p, d) =>
    (d.dns_opt = stringList(r, v, p).map((opt, i) => {
      if (!/^[a-z][a-z0-9-]*(:[0-9]+)?$/i.test(opt)) r.fail(typeof v === "string" ? p : [...p, i], `invalid DNS option "${opt}"`, "resolv.conf options look like ndots:2, timeout:1, rotate, use-vc");
      return opt;
    })),
  sysctls: (r, v, p, d) => (d.sysctls = sysctls(r, v, p)),
  shm_size: (r, v, p, d) => (d.shm_size = bytes(r, v, p)),
  mem_limit: (r, v, p, d) => (d.mem_limit = bytes(r, v, p)),
  mem_reservation: (r, v, p, d) => (d.mem_reservation = bytes(r, v, p)),
  cpus: (r, v, p, d) => {
    const cpus = r.text(v, p);
    if (!/^\d+(\.\d+)?$/.test(cpus) || Number(cpus) < 0) r.fail(p, `invalid cpus "${cpus}": use a positive number like 0.5`);
    d.cpus = String(Number(cpus));
  },
  pids_limit: (r, v, p, d) => {
    const n = r.int(v, p, -1);
    if (n === 0) r.fail(p, "pids_limit 0 is not a limit", "use -1 for no limit, or a positive number");
    d.pids_limit = n;
  },
  privileged: (r, v, p, d) => (d.privileged = r.bool(v, p)),
  devices: (r, v, p, d) => (d.devices = devices(r, v, p)),
  pid: (r, v, p, d) => (d.pid = namespaceMode(r, v, p, ["host"])),
  ipc: (r, v, p, d) => (d.ipc = namespaceMode(r, v, p, ["private", "shareable", "host", "none"])),
  platform: (r, v, p, d) => {
    const platform = r.str(v, p);
    if (!PLATFORM.test(platform)) r.fail(p, `invalid platform "${platform}"`, "use os[/arch[/variant]], e.g. linux/amd64");
    d.platform = platform;
  },
  pull_policy: (r, v, p, d) => (d.pull_policy = pullPolicy(r, v, p)),
  post_start: (r, v, p, d) => (d.post_start = readHooks(r, v, p)),
  pre_stop: (r, v, p, d) => (d.pre_stop = readHooks(r, v, p)),
  volumes_from: (r, v, p, d) => (d.volumes_from = volumesFrom(r, v, p)),
  group_add: (r, v, p, d) =>
    (d.group_add = r.strings(v, p).map((g, i) => {
      if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/.test(g)) r.fail([...p, i], `invalid group "${g}"`, "a group name or number");
      return g;
    })),
  domainname: (r, v, p, d) => {
    const name = r.str(v, p);
    if (!RFC1123.test(name)) r.fail(p, `invalid domainname "${name}"`, "a domain name of letters, digits, '-' and '.' (RFC 1123)");
    d.domainname = name;
  },
  mac_address: (r, v, p, d) => {
    const mac = r.str(v, p);
    if (!MAC.test(mac)) r.fail(p, `invalid mac_address "${mac}"`, "six hex bytes separated by colons, e.g. 02:42:ac:11:00:02");
    d.mac_address = mac.toLowerCase();
  },
  annotations: (r, v, p, d) => (d.annotations = Object.fromEntries(textMap(r, v, p).map(([k, x]) => [k, x]))),
  // labels from the files first; labels: written in the service win (labels handler merges over)
  label_file: (r, v, p, d, home) => (d.labels = { ...labelFiles(r, v, p, home), ...d.labels }),
  develop: (r, v, p, d) => (d.develop = readDevelop(r, v, p)),
};

export const RUNTIME_KEYS = Object.keys(RUNTIME_KEY_HANDLERS);
