/**
 * docker-run style options → a ContainerSpec (pure apart from reading --env-file files):
 * `-v` short syntax, `-p`, `-e K` taken from the environment, `--env-file`, `--ulimit`,
 * `--network none|host|slirp`, resource flags.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.ts";
import { mappedIdLimits } from "../../core/subid.ts";
import { execProblems, extraHostProblem, hostnameProblem, mountTargetProblem, signalProblem, tmpfsProblem, ulimitProblem, userProblem, type HostIds } from "../compose/runtime-checks.ts";
import { parseBytes } from "../compose/units.ts";
import { LOG_DRIVERS } from "../compose/logging.ts";
import type { Port, VolumeMount } from "../compose/model.ts";
import { parsePublish } from "../../net/ports.ts";
import type { ContainerSpec } from "./types.ts";
import { parseSecurityOpts } from "./spec/security-opts.ts";

export interface RunFlags {
  image: string;
  command: string[];
  project?: string;
  name?: string;
  env?: string[];
  envFiles?: string[];
  publish?: string[];
  volumes?: string[];
  workdir?: string;
  user?: string;
  network?: string;
  entrypoint?: string;
  init?: boolean;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  hostname?: string;
  tmpfs?: string[];
  ulimits?: string[];
  addHosts?: string[];
  securityOpts?: string[];
  stopSignal?: string;
  labels?: string[];
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  runtime?: string;
  /** docker run --log-driver / --log-opt (issue #13: the compose logging: key's flags) */
  logDriver?: string;
  logOpts?: string[];
}

export interface FlagContext {
  cwd: string;
  env: Record<string, string | undefined>;
  readFile?: (path: string) => string;
}

export function specFromRunFlags(f: RunFlags, ctx: FlagContext): ContainerSpec {
  const readFile = ctx.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  const env: Record<string, string> = {};
  for (const file of f.envFiles ?? []) {
    let text: string;
    try {
      text = readFile(resolve(ctx.cwd, file));
    } catch {
      throw new InvalidInputError(`env file "${file}": cannot read it`);
    }
    for (const line of text.split("\n")) {
      const t = line.trim();
      if (!t || t.startsWith("#")) continue;
      addEnv(env, t, ctx.env);
    }
  }
  for (const e of f.env ?? []) addEnv(env, e, ctx.env);

  const network = f.network ?? "slirp";
  // any other name is a user-defined network of the project (CNI, issue #5), made on first use
  const named = !["none", "host", "slirp", "bridge"].includes(network);
  if (named && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(network)) {
    throw new InvalidInputError(`network "${network}" is not a valid network name`, { hint: "use slirp (the default), bridge, none, host, or a network name" });
  }
  const ulimits: Record<string, { soft: number; hard: number }> = {};
  for (const u of f.ulimits ?? []) {
    const m = /^([a-z_]+)=(-?\d+)(?::(-?\d+))?$/.exec(u);
    if (!m) throw new InvalidInputError(`ulimit "${u}": expected name=soft[:hard]`, { code: "bad_flag", hint: "e.g. --ulimit nofile=1024:4096" });
    ulimits[m[1]!] = { soft: Number(m[2]), hard: Number(m[3] ?? m[2]) };
  }
  const labels: Record<string, string> = {};
  for (const l of f.labels ?? []) {
    const i = l.indexOf("=");
    labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? "" : l.slice(i + 1);
  }
  const { noNewPrivileges, seccomp } = parseSecurityOpts(f.securityOpts ?? [], "--security-opt");
  if (f.pidsLimit !== undefined && !/^-?\d+$/.test(f.pidsLimit)) {
    throw new InvalidInputError(`--pids-limit: "${f.pidsLimit}" is not an integer`, { code: "bad_flag", hint: "e.g. --pids-limit 100, or -1 for unlimited" });
  }
  const resources = f.memory || f.cpus || f.pidsLimit ? { memory: f.memory, cpus: f.cpus, pids: f.pidsLimit ? Number(f.pidsLimit) : undefined } : undefined;
  const spec: ContainerSpec = {
    name: f.name ?? "",
    project: f.project ?? "default",
    image: f.image,
    entrypoint: f.entrypoint === undefined ? undefined : f.entrypoint === "" ? null : [f.entrypoint],
    command: f.command.length ? f.command : undefined,
    env,
    workingDir: f.workdir,
    user: f.user,
    hostname: f.hostname,
    init: f.init,
    readOnly: f.readOnly,
    capAdd: f.capAdd,
    capDrop: f.capDrop,
    ulimits: Object.keys(ulimits).length ? ulimits : undefined,
    tmpfs: f.tmpfs,
    mounts: (f.volumes ?? []).map((v) => parseVolume(v, ctx.cwd)),
    stopSignal: f.stopSignal,
    networkMode: named ? undefined : network === "none" ? "none" : network === "bridge" ? "bridge" : "host",
    networks: named ? { [network]: {} } : undefined,
    extraHosts: f.addHosts,
    ports: (f.publish ?? []).map(publishToPort),
    labels: Object.keys(labels).length ? labels : undefined,
    noNewPrivileges: noNewPrivileges || undefined,
    seccomp,
    resources,
    runtime: f.runtime,
    logging: runLogging(f.logDriver, f.logOpts ?? []),
  };
  checkRunSpec(spec);
  return spec;
}

/**
 * The flags of `kitten run` get the checks a compose file gets (compose/runtime-checks.ts):
 * what runc or the kernel would refuse is refused here, naming the flag, before anything exists.
 */
export function checkRunSpec(spec: ContainerSpec, ids: HostIds = mappedIdLimits()): void {
  const refuse = (flag: string, problem: string, hint: string): never => {
    throw new InvalidInputError(`${flag}: ${problem}`, { code: "bad_flag", hint });
  };
  if (spec.user !== undefined) {
    const p = userProblem(spec.user, ids);
    if (p) refuse("--user", p, `use a uid between 0 and ${ids.maxUid} (${ids.source}), or a user name from the image`);
  }
  if (spec.hostname) {
    const p = hostnameProblem(spec.hostname);
    if (p) refuse("--hostname", p, "use letters, digits, '.', '-' and '_', at most 64 bytes");
  }
  if (spec.workingDir !== undefined && !spec.workingDir.startsWith("/")) refuse("--workdir", `"${spec.workingDir}" must be an absolute path`, 'e.g. -w /app');
  for (const t of spec.tmpfs ?? []) {
    const p = tmpfsProblem(t, ids);
    if (p) refuse("--tmpfs", `"${t}": ${p}`, "write /path[:option,...] with options like size=64m, mode=1777");
  }
  for (const m of spec.mounts ?? []) {
    const p = mountTargetProblem(m.target);
    if (p) refuse("--volume", p, "mount on a directory of the container, e.g. -v ./data:/data");
  }
  for (const [name, u] of Object.entries(spec.ulimits ?? {})) {
    const p = ulimitProblem(name, u.soft, u.hard);
    if (p) refuse("--ulimit", `${name}: ${p}`, "e.g. --ulimit nofile=1024:4096; -1 means unlimited");
  }
  for (const h of spec.extraHosts ?? []) {
    const p = extraHostProblem(h.includes("=") && !h.includes(":") ? h.replace("=", ":") : h);
    if (p) refuse("--add-host", `"${h}": ${p}`, "write host:ip, e.g. --add-host db:10.0.0.5");
  }
  if (spec.stopSignal !== undefined) {
    const p = signalProblem(spec.stopSignal);
    if (p) refuse("--stop-signal", p, "use a signal name like SIGTERM or a number from 1 to 64");
  }
  const exec = execProblems({ environment: spec.env, command: spec.command ?? undefined, entrypoint: spec.entrypoint ?? undefined })[0];
  if (exec) refuse(exec.path[0] === "environment" ? "--env" : "the command", exec.message, "pass large data in a file (a volume) instead of the environment or the command line");
  const r = spec.resources;
  if (r?.memory !== undefined && parseBytes(r.memory) === undefined) refuse("--memory", `"${r.memory}" is not a size`, 'use bytes or a size like "512m" or "1g"');
  if (r?.cpus !== undefined && !(/^\d+(\.\d+)?$/.test(r.cpus) && Number(r.cpus) > 0)) refuse("--cpus", `"${r.cpus}" is not a positive number`, "e.g. --cpus 0.5");
  if (r?.pids !== undefined && !Number.isSafeInteger(r.pids)) refuse("--pids-limit", `"${r.pids}" is not an integer`, "e.g. --pids-limit 100, or -1 for unlimited");
}

/**
 * --log-driver / --log-opt as docker run takes them, for the drivers and options kitten honours
 * (compose/logging.ts says which, and why); an option without effect here is refused rather than
 * dropped unsaid.
 */
function runLogging(driver: string | undefined, opts: string[]): ContainerSpec["logging"] {
  if (driver === undefined && opts.length === 0) return undefined;
  if (driver !== undefined && !(LOG_DRIVERS as readonly string[]).includes(driver)) {
    throw new InvalidInputError(`--log-driver "${driver}" is not supported`, { code: "bad_flag", hint: `kitten keeps logs in files: use ${LOG_DRIVERS.join(", ")}` });
  }
  const out: NonNullable<ContainerSpec["logging"]> = driver ? { driver } : {};
  for (const o of opts) {
    const i = o.indexOf("=");
    const [key, value] = i < 0 ? [o, ""] : [o.slice(0, i), o.slice(i + 1)];
    if (key === "max-size") {
      const n = parseBytes(value);
      if (n === undefined || n <= 0) throw new InvalidInputError(`--log-opt max-size: "${value}" is not a size`, { code: "bad_flag", hint: "e.g. --log-opt max-size=10m" });
      out.maxSize = n;
    } else if (key === "max-file") {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidInputError(`--log-opt max-file: "${value}" is not a number of files`, { code: "bad_flag", hint: "e.g. --log-opt max-file=3" });
      out.maxFile = Number(value);
    } else {
      throw new InvalidInputError(`--log-opt "${key}" is not supported`, { code: "bad_flag", hint: "the log options kitten honours are max-size and max-file" });
    }
  }
  if (out.driver === "none" && (out.maxSize !== undefined || out.maxFile !== undefined)) {
    throw new InvalidInputError("--log-opt with --log-driver none: the none driver keeps no log", { code: "bad_flag", hint: "drop the --log-opt flags" });
  }
  return out;
}

function addEnv(env: Record<string, string>, entry: string, host: Record<string, string | undefined>): void {
  const i = entry.indexOf("=");
  if (i === 0) throw new InvalidInputError(`environment entry "${entry}": the name is empty`);
  if (i > 0) env[entry.slice(0, i)] = entry.slice(i + 1);
  else if (host[entry] !== undefined) env[entry] = host[entry]!; // docker: `-e NAME` copies the caller's value
}

/** `-v` short syntax: `[src:]dst[:ro|rw]`; a src starting with / or . is a bind, else a volume name. */
export function parseVolume(text: string, cwd: string): VolumeMount {
  const parts = text.split(":");
  let mode: string | undefined;
  if (parts.length > 1 && /^(ro|rw|z|Z|ro,.*|rw,.*)$/.test(parts.at(-1)!)) mode = parts.pop();
  const readOnly = mode?.split(",").includes("ro") || undefined;
  if (parts.length === 1) {
    if (!isAbsolute(parts[0]!)) throw new InvalidInputError(`volume "${text}": the container path must be absolute`);
    return { type: "volume", target: parts[0]!, read_only: readOnly };
  }
  if (parts.length !== 2) throw new InvalidInputError(`volume "${text}": expected [source:]target[:ro|rw]`);
  const [src, dst] = parts as [string, string];
  if (!isAbsolute(dst)) throw new InvalidInputError(`volume "${text}": the container path must be absolute`);
  const isPath = src.startsWith("/") || src.startsWith(".") || src.startsWith("~");
  if (isPath) {
    const source = src.startsWith("~") ? src.replace(/^~/, process.env.HOME ?? "/") : resolve(cwd, src);
    return { type: "bind", source, target: dst, read_only: readOnly, bind: { create_host_path: true } };
  }
  return { type: "volume", source: src, target: dst, read_only: readOnly };
}

export function publishToPort(text: string): Port {
  const p = parsePublish(text);
  return { mode: "ingress", target: p.containerPort, published: p.hostPort === undefined ? undefined : String(p.hostPort), host_ip: p.hostIp, protocol: p.protocol };
}

const ADJECTIVES = ["brave", "calm", "eager", "fuzzy", "gentle", "happy", "jolly", "keen", "lucky", "mellow", "nimble", "quiet", "sleepy", "swift", "witty"];
const NOUNS = ["tabby", "calico", "siamese", "persian", "bengal", "sphynx", "ragdoll", "manx", "birman", "somali", "korat", "ocicat"];

export function randomName(): string {
  const pick = <T>(a: T[]) => a[Math.floor(Math.random() * a.length)]!;
  return `${pick(ADJECTIVES)}_${pick(NOUNS)}_${Math.floor(Math.random() * 1000)}`;
}
