/**
 * Seeded, structure-aware mutations of compose-like inputs (issue #14's fuzzer). Half of the
 * mutations work on the parsed document — a value replaced by a hostile one (a path that climbs,
 * a huge or negative number, a NUL, an unclosed `${`, a list where a map belongs, deep nesting),
 * a key deleted, renamed or added from the compose specification's keys, a subtree duplicated —
 * and serialise it again as YAML or JSON; the other half are byte-level (bit flips, hostile tokens
 * inserted, ranges deleted or duplicated, splices with another input), which reach the YAML
 * parser's own corners. Everything is driven by one PRNG, so a run is repeatable from its seed.
 */
import { parse, stringify } from "yaml";

/** mulberry32: small, fast, good enough to drive mutations reproducibly */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** the keys a compose file may have, so mutations reach the handlers of each */
export const COMPOSE_KEYS = [
  "image", "command", "entrypoint", "environment", "env_file", "ports", "expose", "networks", "network_mode", "depends_on",
  "restart", "healthcheck", "deploy", "scale", "volumes", "working_dir", "user", "hostname", "container_name", "labels",
  "extra_hosts", "stop_signal", "stop_grace_period", "init", "read_only", "tmpfs", "cap_add", "cap_drop", "security_opt",
  "ulimits", "profiles", "tty", "stdin_open", "links", "extends", "secrets", "configs", "sysctls", "devices", "dns",
  "dns_search", "mem_limit", "cpus", "pids_limit", "shm_size", "logging", "privileged", "pid", "ipc", "platform",
  "pull_policy", "volumes_from", "group_add", "domainname", "mac_address", "annotations", "label_file", "post_start",
  "pre_stop", "develop", "name", "services", "include", "x-ext", "subpath", "source", "target", "type", "bind", "volume",
  "tmpfs", "size", "mode", "soft", "hard", "condition", "required", "file", "service", "driver", "ipam", "config",
  "subnet", "gateway", "ip_range", "external", "internal", "aliases", "ipv4_address", "replicas", "resources", "limits",
  "memory", "pids", "test", "interval", "retries", "containers", "workdir", "ip", "network",
];

/** values that have broken parsers, path builders and validators before */
const HOSTILE_STRINGS = [
  "", " ", "..", "../..", "../../../../etc/passwd", "/etc/shadow", "/", "/..", "./", "~", "~/x", "a/b", "\0", "a\0b", "\n", "a\nb",
  "\t", "${", "${A", "${A:-${B:-x}}", "$$", "${A:?boom}", "$", "${A:+x}", "}", "{{", "%s%n", "'", '"', "\\", "`id`", "$(id)",
  "-1", "0", "99999999999999999999", "1e400", "NaN", "Infinity", "-0", "0x10", "0o777", "1.5", "080", "80:80", "1-65535:1-65535",
  "127.0.0.1:80:80/udp", "[::1]:80:80", "999999:80", "80-70:80", "nginx", "nginx:latest", "a@sha256:00", "UPPER", "é", "\u202e",
  "\ud800", "x".repeat(300), "h".repeat(70), "/x:size=abc", "/x:rbind", "nofile=1:2", "service:web", "container:x", "host",
  "none", "bridge", "always", "on-failure:-1", "10s", "-5s", "1h2m3s4ms5us6ns", "1m3x", "SIGKILL", "SIGNOPE", "99999999999:0",
  "db:not-an-ip", "host-gateway", "CMD", "CMD-SHELL", "NONE", "true", "false", "null", "~", "yes", "off", "!reset", "*a", "&a",
];

function hostileValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(9)) {
    case 0:
    case 1:
    case 2:
      return rng.pick(HOSTILE_STRINGS);
    case 3:
      return rng.pick([0, -1, 1, 65535, 65536, 2 ** 31, 2 ** 53, 2 ** 64, -(2 ** 63), 1.5, Number.MAX_VALUE]);
    case 4:
      return rng.pick([true, false, null]);
    case 5:
      return depth > 3 ? [] : Array.from({ length: rng.int(4) }, () => hostileValue(rng, depth + 1));
    case 6:
      return depth > 3 ? {} : Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(COMPOSE_KEYS), hostileValue(rng, depth + 1)]));
    case 7: {
      // nesting: lists or maps many levels deep
      let v: unknown = rng.pick(HOSTILE_STRINGS);
      const n = rng.pick([8, 64, 600]);
      for (let i = 0; i < n; i++) v = rng.chance(0.5) ? [v] : { a: v };
      return v;
    }
    default:
      return rng.pick(HOSTILE_STRINGS).repeat(1 + rng.int(50));
  }
}

type Container = Record<string, unknown> | unknown[];

/** every (container, key) pair in the document, to pick one to mutate */
function slots(doc: unknown, out: Array<[Container, string | number]> = [], depth = 0): Array<[Container, string | number]> {
  if (depth > 12 || doc === null || typeof doc !== "object") return out;
  if (Array.isArray(doc)) {
    doc.forEach((v, i) => {
      out.push([doc, i]);
      slots(v, out, depth + 1);
    });
  } else {
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
      out.push([doc as Record<string, unknown>, k]);
      slots(v, out, depth + 1);
    }
  }
  return out;
}

function structural(input: string, rng: Rng): string | undefined {
  let doc: unknown;
  try {
    doc = parse(input, { maxAliasCount: 100, uniqueKeys: false });
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== "object") return undefined;
  const rounds = 1 + rng.int(3);
  for (let r = 0; r < rounds; r++) {
    const all = slots(doc);
    if (all.length === 0) break;
    const [container, key] = rng.pick(all);
    const op = rng.int(6);
    if (Array.isArray(container)) {
      const i = key as number;
      if (op === 0) container.splice(i, 1);
      else if (op === 1) container.push(structuredClone(container[i]));
      else container[i] = hostileValue(rng);
      continue;
    }
    const map = container as Record<string, unknown>;
    const k = key as string;
    if (op === 0) delete map[k];
    else if (op === 1) {
      map[rng.pick(COMPOSE_KEYS)] = hostileValue(rng);
    } else if (op === 2) {
      const v = map[k];
      delete map[k];
      map[rng.chance(0.5) ? rng.pick(COMPOSE_KEYS) : rng.pick(HOSTILE_STRINGS) || "k"] = v;
    } else if (op === 3) {
      map[`${k}2`] = structuredClone(map[k]);
    } else map[k] = hostileValue(rng);
  }
  try {
    return rng.chance(0.2) ? JSON.stringify(doc) : stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
  } catch {
    return undefined;
  }
}

const TOKENS = [
  // Dockerfile
  "\nRUN ", "\nFROM ", "FROM scratch AS x\n", "<<EOF\n", "\nEOF\n", "\\\n", "`\n", "# escape=`\n", "# syntax=x\n", "--mount=type=", "--from=", "--chown=",
  "\nARG ", "\nENV ", "\nONBUILD ", "HEALTHCHECK --interval=", '["', '", "', "\nCOPY ", "${X:-", "$X", "\nSHELL [", "\nEXPOSE ",
  // YAML and compose
  "\n", ": ", "- ", "{", "}", "[", "]", "'", '"', "#", "&a ", "*a", "<<: *a\n", "!reset ", "!override ", "!!binary ", "!evil ", "---\n", "${", "$$", "\0", "\t", "  ", "\r\n", "\ufeff", "..", "../", "%YAML 1.1\n", "? ", "|\n", ">\n", "\\", "\u0085"];

function bytewise(input: Uint8Array, rng: Rng, other: Uint8Array): Uint8Array {
  let b = input;
  const insert = (at: number, piece: Uint8Array) => {
    const out = new Uint8Array(b.length + piece.length);
    out.set(b.subarray(0, at), 0);
    out.set(piece, at);
    out.set(b.subarray(at), at + piece.length);
    b = out;
  };
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    const at = b.length === 0 ? 0 : rng.int(b.length);
    switch (rng.int(6)) {
      case 0:
        if (b.length) (b = b.slice())[at] = b[at]! ^ (1 << rng.int(8));
        break;
      case 1:
        insert(at, new TextEncoder().encode(rng.pick(TOKENS)));
        break;
      case 2: {
        const end = Math.min(b.length, at + 1 + rng.int(16));
        const out = new Uint8Array(b.length - (end - at));
        out.set(b.subarray(0, at), 0);
        out.set(b.subarray(end), at);
        b = out;
        break;
      }
      case 3:
        insert(at, b.slice(at, at + 1 + rng.int(64)));
        break;
      case 4: {
        const from = rng.int(Math.max(1, other.length));
        insert(at, other.slice(from, from + 1 + rng.int(64)));
        break;
      }
      default:
        if (b.length) (b = b.slice())[at] = rng.int(256);
    }
  }
  return b;
}

/** One mutation of `input` (`other` is another corpus entry, for splicing); at most `maxLen` bytes. */
export function mutate(input: Uint8Array, other: Uint8Array, rng: Rng, maxLen: number): Uint8Array {
  let out: Uint8Array | undefined;
  if (rng.chance(0.5)) {
    // the document may be too deep or odd for the mutator itself: then a byte-level mutation
    try {
      const s = structural(new TextDecoder().decode(input), rng);
      if (s !== undefined) out = new TextEncoder().encode(s);
    } catch {}
  }
  out ??= bytewise(input, rng, other);
  return out.length > maxLen ? out.subarray(0, maxLen) : out;
}
